"""Shared fixtures: one build of the real seeds per test session (per xdist worker), in a temporary build
directory; and the hooks that apply to every test: the programs its markers need (`programs.py`), the
quick lane's `slow` marks on files kept by other maintainers, and the order files are handed to workers in."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.build import build
from kg.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from programs import require_for_markers  # noqa: E402  (tests/ is not a package)

#: the files that take longest (15 s or more of one worker's time on two cores), handed out first under `-n`
#: (xdist hands out whole files, `--dist loadfile`), so that no worker is left finishing one of them alone. The
#: wheel and its venv are built once for all workers (tests/packaging/build_once.py): one packaging file leads,
#: and the others come later, when the build is there to share rather than waited for
LONG_RUNNING_FIRST = [
    "tests/packaging/test_own_project_wheel.py",
    "tests/server/test_linear_text.py",
    "tests/validate/test_gate_add.py",
    "tests/test_project.py",
    "tests/server/test_fuzz.py",
    "tests/server/test_attacks.py",
    "tests/server/test_connections.py",
    "tests/test_export_nanopub.py",
    "tests/bigstore/test_bulk.py",
    "tests/packaging/test_precommit_hook.py",
    "tests/packaging/test_wheel.py",
]

#: tests in files other maintainers keep (tests/pages, tests/link, test_http, test_layering, test_settings)
#: that the quick lane (`-m "not slow"`) leaves out, marked here instead of in those files: each takes
#: half a second or more on two cores (whole-ontology serialisations, link crawls, retries that wait,
#: `ecokg` processes)
SLOW_ELSEWHERE = {
    "tests/link/test_accept.py::test_bad_review_rows_exit_2_and_write_nothing",
    "tests/link/test_enrich.py::test_build_loads_the_snapshot_into_its_named_graph",
    "tests/link/test_enrich.py::test_endpoint_failures_exit_2_and_write_nothing",
    "tests/link/test_enrich.py::test_endpoint_knowing_none_of_the_items_writes_nothing",
    "tests/link/test_linkset.py::test_built_dataset_with_the_linkset_conforms_to_the_shapes",
    "tests/link/test_reconcile.py::test_endpoint_failures_exit_2_with_a_clear_message",
    "tests/link/test_wikidata_federation.py::test_names_in_the_languages_of_the_region",
    "tests/link/test_wikidata_federation.py::test_service_outside_the_allow_list_is_answered_400",
    "tests/pages/test_entity_page.py::test_the_most_specific_kind_leads",
    "tests/pages/test_findable.py::test_every_sitemap_address_answers",
    "tests/pages/test_graph_page.py::test_a_changed_store_gets_a_new_picture",
    "tests/pages/test_graph_page.py::test_an_actor_keeps_its_claims_and_its_stated_relations",
    "tests/pages/test_pages_client.py::test_every_claim_page_marks_its_evidence",
    "tests/pages/test_pages_client.py::test_links_from_a_page_all_resolve",
    "tests/pages/test_pages_client.py::test_ontology_iri_serves_the_ontology",
    "tests/pages/test_pages_client.py::test_source_page_tells_questions_from_answers",
    "tests/pages/test_resolvable_iris.py::test_namespace_and_version_iris_give_the_whole_ontology",
    "tests/pages/test_resolvable_iris.py::test_ontology_files_download_in_their_format_whatever_accept_says",
    "tests/pages/test_resolvable_iris.py::test_owlready2_reads_the_rdfxml_download",
    "tests/test_http.py::test_a_429_with_retry_after_is_honoured_for_a_service_query",
    "tests/test_http.py::test_a_503_with_retry_after_is_asked_again_after_that_wait_and_then_answers",
    "tests/test_http.py::test_a_digest_challenge_is_answered_and_the_answer_reused_with_a_rising_count",
    "tests/test_http.py::test_a_graph_store_write_is_never_sent_twice",
    "tests/test_http.py::test_a_post_the_caller_calls_read_only_is_retried",
    "tests/test_http.py::test_a_redirect_is_the_callers_error_and_the_other_host_is_never_asked",
    "tests/test_http.py::test_a_retry_after_longer_than_the_wait_allowed_is_not_waited_for",
    "tests/test_http.py::test_a_retry_that_would_end_past_the_callers_deadline_is_not_made",
    "tests/test_http.py::test_a_server_busy_every_time_is_given_up_on_with_the_callers_error",
    "tests/test_http.py::test_a_server_slower_than_the_timeout_is_the_callers_timeout_error",
    "tests/test_http.py::test_an_answer_longer_than_the_cap_is_refused",
    "tests/test_http.py::test_the_client_reports_where_a_redirect_pointed",
    "tests/test_layering.py::test_no_library_module_names_the_server_package",
    "tests/test_layering.py::test_pyshacl_is_run_from_one_module",
    "tests/test_settings.py::test_only_the_settings_module_reads_the_environment",
}


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    """The project's settings with build output redirected to a temporary directory (one per xdist worker)."""
    return Settings().with_(build_dir=tmp_path_factory.mktemp("build"))


@pytest.fixture(scope="session")
def built(settings):
    """(BuildResult, {dump name: path}) for the real ontology and seeds."""
    return build(settings)


@pytest.fixture(scope="session")
def dataset(built):
    return built[0].dataset


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.split("[", 1)[0] in SLOW_ELSEWHERE:
            item.add_marker(pytest.mark.slow)
    if hasattr(config, "workerinput"):  # an xdist worker: every worker sorts the same way
        first = {path: rank for rank, path in enumerate(LONG_RUNNING_FIRST)}
        items.sort(key=lambda item: first.get(item.nodeid.split("::", 1)[0], len(first)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A browser test needs Chromium and ChromeDriver, a reasoner test Java: checked before any fixture
    starts, with the one policy for missing programs (skip outside CI, fail with CI=true)."""
    require_for_markers(item)
