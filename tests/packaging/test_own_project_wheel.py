"""A researcher's own source, end to end, from the wheel installed into a fresh venv, in a temporary folder
outside the clone: `ecokg init` → `source add` → `extract` → curate → `validate` → `add` → `build` → `query`,
step by step and as the README's "Bring your own source" block runs, word for word."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a wheel built and installed, then every step as its own `ecokg` process

CHECKOUT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(CHECKOUT / "tests"))
from test_cross_source import FIXTURE, INTERVIEW, NAMESPACE, SLUG, TITLE, curate  # noqa: E402

GAS = "For Turkey, gas pipeline options are not a priority."


def readme_block(heading: str) -> str:
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(heading):]
    start = section.index("```sh\n") + len("```sh\n")
    return section[start:section.index("```", start)]


def ok(completed) -> str:
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr
    return completed.stdout


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture()
def folder(installed, tmp_path_factory):
    """A fresh folder outside the clone, beside a copy of the fictional text."""
    here = tmp_path_factory.mktemp("researcher")
    assert not here.resolve().is_relative_to(CHECKOUT)
    shutil.copyfile(FIXTURE, here / FIXTURE.name)
    return here


def test_a_second_source_from_text_to_answers_with_the_installed_wheel(installed, folder):
    ecokg = installed.ecokg
    packaged_seeds = sorted(p.name for p in Path(ok(installed.run(
        installed.python, "-c", "import kg.settings as s; print(s.Settings().seeds_dir)")).strip()).iterdir())
    ok(installed.run(ecokg, "init", "transit", "--namespace", NAMESPACE, "--title", "Transit remarks (fictional)",
                     cwd=folder))
    project = folder / "transit"
    registered = ok(installed.run(ecokg, "source", "add", f"../{FIXTURE.name}", "--holder", "Turkey", "--speaker",
                                  "Alex Example", "--title", TITLE, "--date", "2026-01-15", "--language", "en",
                                  cwd=project))
    assert f"registered {SLUG}: {NAMESPACE}id/source/{SLUG}" in registered
    assert (project / "sources" / f"{SLUG}.txt").read_bytes() == FIXTURE.read_bytes()

    ok(installed.run(ecokg, "extract", SLUG, "--output", "draft.ttl", cwd=project))
    draft = (project / "draft.ttl").read_text(encoding="utf-8")
    assert len(re.findall(r"^<[^>]+> eco:curationStatus eco:Draft \.$", draft, re.M)) == 4
    refused = installed.run(ecokg, "validate", "--no-owl", "draft.ttl", cwd=project)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert refused.stdout.count("the claim is still a draft") == 4

    (project / "curated.ttl").write_text(curate(draft), encoding="utf-8")
    assert ok(installed.run(ecokg, "validate", "curated.ttl", cwd=project)).startswith("ok: 1 file(s)")
    added = installed.run(ecokg, "add", "curated.ttl", cwd=project)
    ok(added)
    claims_file = project / "claims" / f"{SLUG}.ttl"
    assert f"to {claims_file}" in added.stderr
    assert GAS in claims_file.read_text(encoding="utf-8")
    ok(installed.run(ecokg, "build", "--quiet", cwd=project))

    by_source = csv_rows(ok(installed.run(ecokg, "query", "claims-by-source", "--format", "csv", cwd=project)))
    assert {(r["title"], r["kind"], r["claims"]) for r in by_source if r["title"] == TITLE} == {
        (TITLE, "stance", "3"), (TITLE, "factual statement", "1")}
    assert INTERVIEW in {r["title"] for r in by_source}
    dated = csv_rows(ok(installed.run(ecokg, "query", "sources-by-date", "--format", "csv", cwd=project)))
    assert [(r["date"], r["title"], r["speaker"]) for r in dated] == [
        ("2026-01-15", TITLE, "Alex Example"), ("", INTERVIEW, "unnamed Pakistani official")]
    shared = csv_rows(ok(installed.run(ecokg, "query", "same-topic-in-two-sources", "--format", "csv", cwd=project)))
    assert {(r["topicLabel"], r["title"], r["holder"], r["modality"]) for r in shared
            if r["topicLabel"] == "TIR system"} == {("TIR system", TITLE, "Turkey", "existing"),
                                                    ("TIR system", INTERVIEW, "Pakistan", "offered")}
    said = json.loads(ok(installed.run(ecokg, "query", "who-said-what-where", "--format", "json", cwd=project)))
    first = said["results"]["bindings"][0]
    assert (first["speaker"]["value"], first["speaksFor"]["value"], first["date"]["value"]) == (
        "Alex Example", "Turkey", "2026-01-15")
    # nothing of the installed package changed: the project's files are the project's
    after = sorted(p.name for p in Path(ok(installed.run(
        installed.python, "-c", "import kg.settings as s; print(s.Settings().seeds_dir)")).strip()).iterdir())
    assert after == packaged_seeds


def test_the_readme_walkthrough_runs_as_written_from_the_wheel(installed, folder):
    block = readme_block("## Bring your own source")
    assert re.search(r"^ecokg init ", block, re.M) and "sed " in block  # the block the README shows, unchanged
    completed = installed.run("bash", "-euo", "pipefail", "-c", block, cwd=folder)
    out = ok(completed)
    assert "ok: 1 file(s)" in out
    assert re.search(rf"added \d+ triples to {re.escape(str(folder / 'transit' / 'claims' / SLUG))}\.ttl", completed.stderr)
    differ = csv_rows(out[out.index("aspect,topicLabel"):])
    gas = {(r["holderA"], r["modalityA"], r["polarityA"], r["sourceA"], r["holderB"], r["modalityB"], r["polarityB"],
            r["sourceB"]) for r in differ if r["topicLabel"] == "Iran–Pakistan gas pipeline options"}
    assert gas == {("Turkey", "not the case", "negative", TITLE, "Pakistan", "under discussion", "positive", INTERVIEW)}
    digital = {(r["holderA"], r["modalityA"], r["holderB"], r["modalityB"]) for r in differ
               if r["topicLabel"] == "digital customs"}
    assert {("Turkey", "favoured", "Pakistan", "offered"), ("Turkey", "favoured", "Pakistan", "expected")} <= digital
