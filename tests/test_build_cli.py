"""`ecokg build` and `ecokg query` as a user runs them: outputs, stable IRIs, clear errors, exit codes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

import kg
from kg.build import DUMPS

ROOT = Path(__file__).resolve().parent.parent


def ecokg(*args, root: Path | None = None, build_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if build_dir is not None:
        env["ECOKG_BUILD_DIR"] = str(build_dir)
    command = [sys.executable, "-m", "kg", *(["--root", str(root)] if root else []), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A copy of the project's data (ontology, seeds, queries) that a test may break."""
    for name in ("ontology", "seeds", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="module")
def cli_build(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """One `ecokg build` as a user runs it, into a folder of its own: (the finished process, that folder)."""
    out = tmp_path_factory.mktemp("cli-build") / "out"
    return ecokg("build", build_dir=out), out


def test_build_writes_every_dump_and_a_report(built):
    result, written = built
    assert set(written) == set(DUMPS) | {"report.txt"}
    report = written["report.txt"].read_text(encoding="utf-8")
    assert "Claims by kind:" in report and "eco:Proposal" in report
    assert "graph/source/iran-pakistan-eco-security-interview" in report


@pytest.mark.slow
@pytest.mark.parametrize("name", ["eco-kg.trig", "eco-kg.nq", "eco-kg.jsonld"])
def test_quad_dumps_parse_back_with_every_named_graph(built, name):
    result, written = built
    parsed = Dataset()
    parsed.parse(written[name], format=DUMPS[name][0])
    expected = {(str(g.identifier), len(g)) for g in result.dataset.graphs() if len(g)}
    got = {(str(g.identifier), len(g)) for g in parsed.graphs() if len(g)}
    assert expected <= got


@pytest.mark.slow
@pytest.mark.parametrize("name", ["eco-kg.ttl"])
def test_union_dumps_parse_back(built, name):
    result, written = built
    parsed = Graph().parse(written[name], format=DUMPS[name][0])
    union = {t for t in result.dataset.triples((None, None, None))}
    assert len(parsed) == len(union)


@pytest.mark.slow
def test_rebuilding_renames_nothing(built, cli_build):
    """The session's build in this process against the command's build in another (another hash seed too)."""
    done, out = cli_build
    assert done.returncode == 0, done.stderr
    first = {line for line in built[1]["eco-kg.nq"].read_text(encoding="utf-8").splitlines() if "_:" not in line}
    second = {line for line in (out / "eco-kg.nq").read_text(encoding="utf-8").splitlines() if "_:" not in line}
    assert first == second
    assert len(first) > 6000


@pytest.mark.slow
def test_import_kg_gives_the_dataset(settings, built):
    dataset = kg.load_dataset(settings)
    assert isinstance(dataset, Dataset)
    assert len(list(dataset.graphs())) >= 5
    assert dataset.query("ASK { <https://w3id.org/eco-kg/id/Pakistan> a <https://w3id.org/eco-kg/ontology/State> }").askAnswer


@pytest.mark.slow
def test_cli_build_prints_the_summary(cli_build):
    done, out = cli_build
    assert done.returncode == 0, done.stderr
    assert "Claims by kind:" in done.stdout
    assert (out / "eco-kg.trig").exists()


@pytest.mark.slow
def test_cli_query_prints_a_table_csv_and_json(settings, built):
    table = ecokg("query", "working-group-domains", build_dir=settings.build_dir)
    assert table.returncode == 0, table.stderr
    assert "maritime safety" in table.stdout and "(5 rows)" in table.stdout
    csv_out = ecokg("query", "claims-by-kind", "--format", "csv", build_dir=settings.build_dir)
    assert csv_out.stdout.splitlines()[0] == "kind,claims"
    json_out = ecokg("query", "claims-by-kind", "--format", "json", build_dir=settings.build_dir)
    import json
    assert json.loads(json_out.stdout)["head"]["vars"] == ["kind", "claims"]


@pytest.mark.slow
def test_cli_query_list_shows_titles_and_questions(settings, built):
    done = ecokg("query", "--list", build_dir=settings.build_dir)
    assert done.returncode == 0
    assert "obstacles-to-institutionalisation" in done.stdout and "external or internal" in done.stdout


@pytest.mark.slow
def test_unknown_query_is_a_usage_error(settings, built):
    done = ecokg("query", "no-such-query", build_dir=settings.build_dir)
    assert done.returncode == 2
    assert "no named query or file 'no-such-query'" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_malformed_query_file_reports_line_and_column(settings, built, tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE {\n  ?s ?p \n}\n", encoding="utf-8")
    done = ecokg("query", str(bad), build_dir=settings.build_dir)
    assert done.returncode == 2
    assert f"{bad}:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_no_command_is_a_usage_error():
    assert ecokg().returncode == 2


SEED = "seeds/iran-pakistan-eco-security-interview.ttl"


def break_seed(root: Path, old: str, new: str) -> None:
    path = root / SEED
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(root: Path, needle: str) -> int:
    for number, line in enumerate((root / SEED).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


@pytest.mark.slow
def test_seed_syntax_error_names_file_and_line(project_copy):
    break_seed(project_copy, 'eco:holder ecoid:Pakistan ;\n    eco:modality modality:Proposed ;',
               'eco:holder ecoid:Pakistan \n    eco:modality modality:Proposed ;')
    done = ecokg("build", root=project_copy)
    assert done.returncode == 2
    assert f"{project_copy / SEED}:" in done.stderr and "syntax error" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_quote_not_in_source_names_file_line_and_claim(project_copy):
    break_seed(project_copy, '"Pakistan is geographically central to ECO’s connectivity ambitions."',
               '"Pakistan is geographically central to ECO connectivity ambitions."')
    line = line_of(project_copy, "Pakistan is geographically central to ECO connectivity")
    done = ecokg("build", root=project_copy)
    assert done.returncode == 2
    assert f"{SEED}:{line}:" in done.stderr
    assert "quote not found" in done.stderr and "pk-geographically-central" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_ambiguous_quote_is_refused(project_copy):
    break_seed(project_copy, '"Pakistan is geographically central to ECO’s connectivity ambitions."',
               '"border management"')
    done = ecokg("build", root=project_copy)
    assert done.returncode == 2
    assert "occurs 2 times" in done.stderr and "eco:quotePrefix" in done.stderr


@pytest.mark.slow
def test_a_changed_source_text_is_refused(project_copy):
    text = project_copy / "seeds/iran-pakistan-eco-security-interview.txt"
    text.write_bytes(text.read_bytes().replace(b"Page 1", b"Page 2"))
    done = ecokg("build", root=project_copy)
    assert done.returncode == 2
    assert "sha256" in done.stderr and "byte for byte" in done.stderr


@pytest.mark.slow
def test_a_failed_build_leaves_the_previous_dumps_untouched(project_copy, settings, built):
    # the previous build: the session's, of the same bytes, copied where the copy's build goes
    (project_copy / "build").mkdir()
    for path in settings.build_dir.iterdir():
        if path.is_file() and (path.name.startswith("eco-kg.") or path.name in ("report.txt", "fingerprint")):
            shutil.copy2(path, project_copy / "build" / path.name)
    assert set(DUMPS) <= {path.name for path in (project_copy / "build").iterdir()}
    before = {p.name: p.read_bytes() for p in (project_copy / "build").iterdir()}
    break_seed(project_copy, 'reflect that mandate."', 'reflect it."')
    assert ecokg("build", root=project_copy).returncode == 2
    after = {p.name: p.read_bytes() for p in (project_copy / "build").iterdir()}
    assert before == after
