"""`ecokg enrich` against the Wikidata stand-in: labels, facts and provenance in a snapshot file."""
from __future__ import annotations

import contextlib
import io
import re
import shutil
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kg.cli import main
from kg.enrich import ENRICHMENT_GRAPH, SNAPSHOT_FILE
from kg.namespaces import WD, WDT
from kg.settings import PROJECT_ROOT, Settings


@pytest.fixture(scope="module")
def enriched(tmp_path_factory, standin):
    """(project settings, command result) of one enrichment run into a copy of the project, made once for the
    tests that only read what it wrote (the tests that look at a run's requests or failures make their own)."""
    root = tmp_path_factory.mktemp("enriched")
    for name in ("ontology", "seeds", "queries"):
        if (PROJECT_ROOT / name).exists():
            shutil.copytree(PROJECT_ROOT / name, root / name)
    project = Settings().with_(root=root, seeds_dir=root / "seeds", ontology_dir=root / "ontology",
                               queries_dir=root / "queries", build_dir=root / "build")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(root), "enrich", "--endpoint", f"{standin.url}/sparql"])
    result = SimpleNamespace(code=code, out=out.getvalue(), err=err.getvalue())
    assert result.code == 0, result.err
    return project, result


@pytest.fixture(scope="module")
def snapshot(enriched):
    """(snapshot graph, command result) of the one enrichment run."""
    project, result = enriched
    return Graph().parse(project.seeds_dir / SNAPSHOT_FILE, format="turtle"), result


@pytest.fixture(scope="module")
def enriched_dataset(enriched):
    """The build of the enriched project copy, read by the tests that check what the build makes of it."""
    from kg.build import build_dataset

    project, _result = enriched
    return build_dataset(project).dataset


def test_no_snapshot_is_committed_without_a_reviewed_run(settings):
    assert not (settings.seeds_dir / SNAPSHOT_FILE).exists()


def test_labels_in_the_regions_languages(snapshot):
    graph, _ = snapshot
    labels = {(lit.language, str(lit)) for lit in graph.objects(WD.Q843, None) if isinstance(lit, Literal)
              and lit.language}
    assert ("ur", "پاکستان") in labels and ("zh", "巴基斯坦") in labels and ("ru", "Пакистан") in labels
    assert not any(lang == "de" for lang, _ in labels)  # only the languages asked for


def test_iso_code_capital_and_eco_membership(snapshot):
    graph, _ = snapshot
    assert (WD.Q843, WDT.P298, Literal("PAK")) in graph
    capital = graph.value(WD.Q843, WDT.P36)
    assert Literal("Islamabad", lang="en") in set(graph.objects(capital, RDFS.label))
    assert (WD.Q843, WDT.P463, WD.Q225950) in graph
    assert (WD.Q148, WDT.P463, WD.Q225950) not in graph  # China is not a member


def test_snapshot_records_when_and_by_which_query(snapshot, standin):
    graph, _ = snapshot
    generated = graph.value(ENRICHMENT_GRAPH, PROV.generatedAtTime)
    assert generated.datatype == XSD.dateTime
    assert abs(datetime.now(timezone.utc) - generated.toPython()) < timedelta(minutes=5)
    activity = graph.value(ENRICHMENT_GRAPH, PROV.wasGeneratedBy)
    assert (activity, RDF.type, PROV.Activity) in graph
    queries = [graph.value(used, PROV.value) for used in graph.objects(activity, PROV.used)]
    query = next(str(q) for q in queries if q is not None)
    assert "wdt:P298" in query and "wdt:P36" in query and "wd:Q225950" in query and "wd:Q843" in query


def test_summary_counts_what_was_fetched(snapshot):
    _, result = snapshot
    assert "for 20 linked items" in result.out
    assert "ECO members 10" in result.out
    assert "no data for: Q5401, Q27275, Q58705, Q771405" in result.out


def test_only_linked_items_are_asked_for(project, ecokg, standin, standin_requests):
    ecokg("enrich", "--endpoint", f"{standin.url}/sparql", root=project.root)
    (query,) = [q for kind, _mode, q in standin_requests if kind == "sparql"]
    asked = set(re.findall(r"wd:(Q\d+)", query.split("WHERE", 1)[1].split("}", 1)[0]))
    assert asked == {"Q843", "Q794", "Q148", "Q851", "Q43", "Q889", "Q227", "Q232", "Q813", "Q863", "Q874",
                     "Q265", "Q225950", "Q1065", "Q34675", "Q58705", "Q27275", "Q771405", "Q46", "Q5401"}


@pytest.mark.parametrize("mode, timeout, message", [
    ("slow", "0.5", "did not answer within 0.5 s"),
    ("broken", "5", "answered HTTP 500"),
    ("garbled", "5", "not JSON"),
])
def test_endpoint_failures_exit_2_and_write_nothing(project, ecokg, standin, mode, timeout, message):
    result = ecokg("enrich", "--endpoint", f"{standin.url}/{mode}/sparql", "--timeout", timeout, root=project.root)
    assert result.code == 2
    assert message in result.err and "Traceback" not in result.err
    assert not (project.seeds_dir / SNAPSHOT_FILE).exists()


def test_endpoint_knowing_none_of_the_items_writes_nothing(project, ecokg, standin, tmp_path):
    from liveserver import LiveServer
    from wikidata_standin import create_standin

    empty = tmp_path / "empty.ttl"
    empty.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n", encoding="utf-8")
    with LiveServer(create_standin(empty)) as server:
        result = ecokg("enrich", "--endpoint", f"{server.url}/sparql", root=project.root)
    assert result.code == 2
    assert "no labels or facts for any of the 20 linked items" in result.err
    assert not (project.seeds_dir / SNAPSHOT_FILE).exists()


def test_build_loads_the_snapshot_into_its_named_graph(enriched_dataset):
    assert (WD.Q843, WDT.P298, Literal("PAK")) in enriched_dataset.graph(ENRICHMENT_GRAPH)


@pytest.mark.reasoner
def test_dataset_with_a_snapshot_passes_shacl_and_hermit(enriched, enriched_dataset):
    import kg.checks as checks

    project, _result = enriched
    for report in (checks.shacl_check(enriched_dataset, project), checks.owl_check(enriched_dataset, project)):
        assert report.conforms, report.summary()
