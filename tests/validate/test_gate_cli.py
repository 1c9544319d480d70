"""The `ecokg validate` command: help, exit codes through the real executable, output formats,
internal errors, and validating the project's own seeds."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import owlready2
import pytest

from kg.gate import vocabulary
from kg.gate.report import render
from kg.settings import PROJECT_ROOT
from kg.validate import validate_files

from gate_fixtures import BAD, GOOD, run_subprocess


@pytest.mark.slow
def test_help_documents_stages_and_exit_codes(settings):
    result = run_subprocess("validate", "--help", env_build_dir=settings.build_dir)
    assert result.returncode == 0
    for text in ("exit codes:", "0  the files pass every stage", "1  violations found",
                 "2  unreadable input or usage error", "3  internal error", "--no-owl", "--format",
                 "json", "junit", "sarif", "github", "markdown", "5 MiB"):
        assert text in result.stdout, text


@pytest.mark.slow
def test_executable_exit_codes(settings, tmp_path):
    good = run_subprocess("validate", "--no-owl", GOOD / "new-link.ttl", env_build_dir=settings.build_dir)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith("ok: 1 file(s), 1 triples passed")
    bad = run_subprocess("validate", "--no-owl", BAD / "unknown-class.ttl", env_build_dir=settings.build_dir)
    assert bad.returncode == 1
    assert f"{BAD / 'unknown-class.ttl'}:15:" in bad.stdout
    assert "did you mean eco:State?" in bad.stdout and "Traceback" not in bad.stderr
    unreadable = run_subprocess("validate", tmp_path / "missing.ttl", env_build_dir=settings.build_dir)
    assert unreadable.returncode == 2 and "no such file" in unreadable.stdout
    usage = run_subprocess("validate", "--format", "yaml", GOOD / "new-link.ttl", env_build_dir=settings.build_dir)
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


def test_every_output_format(settings, gate_base, tmp_path):
    report = validate_files([BAD / "unknown-property.ttl"], settings, owl=False, base=gate_base)
    assert report.exit_code == 1

    data = json.loads(render(report, "json"))
    assert data["failed_stage"] == "vocabulary" and data["problems"][0]["line"] == 20

    suites = ET.fromstring(render(report, "junit"))
    assert suites.tag == "testsuites" and int(suites.get("failures")) == 1
    failure = suites.find(".//failure")
    assert failure is not None and "eco:holdr" in failure.text

    sarif = json.loads(render(report, "sarif", PROJECT_ROOT))
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "vocabulary/unknown-property" and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/validate/data/bad/unknown-property.ttl"
    assert location["region"]["startLine"] == 20
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "vocabulary/unknown-property"

    github = render(report, "github", PROJECT_ROOT).splitlines()
    assert github[0].startswith("::error file=tests/validate/data/bad/unknown-property.ttl,line=20,col=")
    assert "did you mean eco:holder?" in github[0] and "\n" not in github[0]

    markdown = render(report, "markdown", PROJECT_ROOT)
    assert "❌" in markdown and "| vocabulary |" in markdown
    assert "| tests/validate/data/bad/unknown-property.ttl:20 | vocabulary/unknown-property |" in markdown


def test_report_files_are_written_next_to_stdout(run_cli, tmp_path):
    sarif, summary = tmp_path / "out" / "gate.sarif", tmp_path / "summary.md"
    code, out, _ = run_cli("validate", "--no-owl", "--report", f"sarif={sarif}", "--report", f"markdown={summary}",
                           BAD / "tbox-edit.ttl")
    assert code == 1 and "tbox-edit" in out
    assert json.loads(sarif.read_text())["runs"][0]["results"][0]["ruleId"] == "vocabulary/tbox-edit"
    assert "ecokg validate" in summary.read_text()


def test_internal_error_exits_3_without_traceback(run_cli, monkeypatch):
    def broken(change, base):
        raise RuntimeError("stage exploded")

    monkeypatch.setattr("kg.validate.check_vocabulary", broken)
    code, _out, err = run_cli("validate", "--no-owl", GOOD / "new-link.ttl")
    assert code == 3
    assert "internal error: RuntimeError: stage exploded" in err and "Traceback" not in err


def test_missing_java_is_reported_not_crashed(run_cli, monkeypatch):
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java")
    code, _out, err = run_cli("validate", "--owl", "hermit", GOOD / "new-link.ttl")
    assert code == 3
    assert "needs Java" in err and "--no-owl" in err


def test_the_default_owl_stage_needs_no_java(run_cli, monkeypatch):
    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/java")
    code, out, _err = run_cli("validate", GOOD / "new-link.ttl")
    assert code == 0 and "owl" in out


def test_help_names_the_default_owl_reasoner(run_cli):
    """The owl stage runs the OWL 2 RL rules unless --owl hermit asks for HermiT; its description says so."""
    code, out, _err = run_cli("validate", "--help")
    stage = " ".join(out.split("6. owl", 1)[1].split("7. graph", 1)[0].split())
    assert code == 0 and "OWL 2 RL" in stage and "--owl hermit" in stage, stage


def test_no_owl_from_the_environment(run_json, monkeypatch):
    monkeypatch.setenv("ECOKG_NO_OWL", "1")
    code, report = run_json(GOOD / "new-link.ttl")
    assert code == 0
    assert {s["name"]: s["status"] for s in report["stages"]}["owl"] == "skipped"


def test_vocabulary_stage_runs_before_shacl(run_json, monkeypatch):
    """Fail fast: a vocabulary problem stops the run; later stages are reported as skipped."""
    code, report = run_json("--no-owl", BAD / "unknown-class.ttl")
    statuses = {s["name"]: s["status"] for s in report["stages"]}
    assert code == 1 and statuses["vocabulary"] == "failed"
    assert statuses["shacl"] == statuses["evidence"] == statuses["graph"] == "skipped"
    assert vocabulary.STAGE == "vocabulary"


@pytest.mark.slow
def test_project_seeds_pass_the_gate(run_json):
    """`ecokg validate` with no file validates every seed file (what CI runs)."""
    code, report = run_json("--no-owl")
    files = {f.replace(str(PROJECT_ROOT) + "/", "") for f in report["files"]}
    assert {"seeds/entities.ttl", "seeds/iran-pakistan-eco-security-interview.ttl"} <= files
    assert code == 0, "\n".join(f"{p['file']}:{p['line']}: {p['message']}" for p in report["problems"])
