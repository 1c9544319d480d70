"""The gate reads nothing a file points to, expands nothing it defines, and stops at its limits.

Fetch tests run the real executable against files that point at a canary HTTP server on 127.0.0.1,
which records every request: the answer must be no request at all.
"""
from __future__ import annotations

import time

import http.server
import socket
import threading
from pathlib import Path

import pytest

from kg.gate import untrusted
from kg.gate.limits import GateLimits
from kg.gate.locate import SourceFile
from kg.gate.report import Problem
from kg.gate.syntax import parse_checked
from kg.rdfio import parse_error
from kg.validate import validate_files

from gate_fixtures import BAD, GOOD, run_subprocess


@pytest.fixture
def canary():
    """(base URL, list of paths requested). Paths under /hang/ never answer."""
    hits: list[str] = []
    stop = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            if self.path.startswith("/hang/"):
                stop.wait(120)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(b'{"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"}}')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)  # quick stop
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    stop.set()
    server.shutdown()
    server.server_close()


QUETTA = '"@id": "https://w3id.org/eco-kg/id/Quetta", "label": "Quetta"'
LABEL = '"label": "http://www.w3.org/2000/01/rdf-schema#label"'


def _pointing_files(url: str) -> dict[str, tuple[str, str]]:
    """file name -> (content, the reference the message must name)."""
    return {
        "top.jsonld": (f'{{"@context": "{url}/hang/top", {QUETTA}}}', f"{url}/hang/top"),
        "array.jsonld": (f'{{"@context": [{{{LABEL}}}, "{url}/array"], {QUETTA}}}', f"{url}/array"),
        "import.jsonld": (f'{{"@context": {{"@import": "{url}/import", {LABEL}}}, {QUETTA}}}', f"{url}/import"),
        "nested.jsonld": (f'{{"@context": {{{LABEL}}}, "@id": "https://w3id.org/eco-kg/id/Quetta", '
                          f'"label": {{"@context": "{url}/nested", "@value": "Quetta"}}}}', f"{url}/nested"),
        "scoped.jsonld": (f'{{"@context": {{"label": {{"@id": "http://www.w3.org/2000/01/rdf-schema#label", '
                          f'"@context": "{url}/scoped"}}}}, {QUETTA}}}', f"{url}/scoped"),
        "relative.jsonld": (f'{{"@context": "context.jsonld", {QUETTA}}}', "context.jsonld"),
        "dev-zero.jsonld": (f'{{"@context": "file:///dev/zero", {QUETTA}}}', "file:///dev/zero"),
        "json-in-turtle.ttl": (f'{{"@context": "{url}/hang/sniffed", {QUETTA}}}', f"{url}/hang/sniffed"),
        "external-entity.rdf": (
            f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{url}/entity">]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"><rdf:Description '
            'rdf:about="https://w3id.org/eco-kg/id/Quetta"><rdfs:label>&e;</rdfs:label></rdf:Description></rdf:RDF>\n',
            "<!ENTITY e SYSTEM"),
        "external-dtd.rdf": (
            f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{url}/dtd">\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n', f'SYSTEM "{url}/dtd"'),
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(_pointing_files("http://x")))
def test_nothing_a_file_points_to_is_read(name, canary, settings, tmp_path):
    url, hits = canary
    content, reference = _pointing_files(url)[name]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = run_subprocess("validate", "--no-owl", path, env_build_dir=settings.build_dir)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{path}:" in result.stdout and reference in result.stdout
    assert "reads nothing but the file itself" in result.stdout or "expands no entities" in result.stdout
    assert "Traceback" not in result.stderr
    assert hits == []


@pytest.mark.slow
def test_parser_guard_refuses_what_the_checks_would_miss(canary, monkeypatch):
    """Defence in depth: with the text checks switched off, the parsers themselves still fetch nothing."""
    url, hits = canary
    monkeypatch.setitem(untrusted.CHECKS, "json-ld", lambda text, name, limit: [])
    monkeypatch.setitem(untrusted.CHECKS, "xml", lambda text, name, limit: [])
    for name, text in (("a.jsonld", f'{{"@context": "{url}/guard", {QUETTA}}}'),
                       ("b.rdf", _pointing_files(url)["external-entity.rdf"][0])):
        graph, problems = parse_checked(SourceFile.from_text(Path(name), text))
        assert graph is None and problems[0].rule == "refused", problems
    assert hits == []


@pytest.mark.slow
def test_the_gate_child_cannot_open_a_connection(canary, settings, gate_base, monkeypatch):
    """Even a stage that tries to reach the network cannot: the stages run in a child without network."""
    url, hits = canary
    port = int(url.rsplit(":", 1)[1])

    def calling_home(change, base):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            outcome = "connected"
        except OSError as error:
            outcome = f"refused: {error}"
        return [Problem("vocabulary", "probe", outcome, hint="-")]

    monkeypatch.setattr("kg.validate.check_vocabulary", calling_home)
    report = validate_files([GOOD / "new-link.ttl"], settings, owl=False, base=gate_base)
    assert report.problems[0].message.startswith("refused"), report.problems
    assert hits == []


# ------------------------------------------------------------------------------------------------
# Pathological inputs and limits
# ------------------------------------------------------------------------------------------------

HEADER = ("@prefix ecoid: <https://w3id.org/eco-kg/id/> .\n@prefix eco: <https://w3id.org/eco-kg/ontology/> .\n"
          "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n")


def _labels(path: Path, count: int) -> Path:
    """A large file of well-formed triples: slow to parse into rdflib, with nothing wrong in any literal."""
    body = "\n".join(f'ecoid:Place{i} a eco:Region ; rdfs:label "Place {i}"@en .' for i in range(count))
    path.write_text(HEADER + body + "\n", encoding="utf-8")
    return path


def _bad_literals(path: Path, count: int) -> Path:
    body = ",\n".join(f'"{i}x"^^xsd:int' for i in range(count))
    path.write_text(HEADER + "ecoid:Quetta a eco:Region ; rdfs:comment\n" + body + " .\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_billion_laughs_is_refused_before_expansion(settings):
    result = run_subprocess("validate", "--no-owl", BAD / "billion-laughs.rdf", env_build_dir=settings.build_dir)
    assert result.returncode == 2
    assert "billion-laughs.rdf:3:1: [syntax/xml-entity]" in result.stdout


@pytest.mark.slow
def test_ninety_thousand_prefixes_are_refused(settings, tmp_path):
    path = tmp_path / "prefixes.ttl"
    path.write_text("".join(f"@prefix p{i}: <https://w3id.org/eco-kg/id/p{i}/> .\n" for i in range(90_000)))
    result = run_subprocess("validate", "--no-owl", path, env_build_dir=settings.build_dir)
    assert result.returncode == 2
    assert "the file has 90,000 prefix declarations, more than the limit of 1,000" in result.stdout
    assert "--max-prefixes" in result.stdout


@pytest.mark.slow
def test_two_hundred_thousand_bad_literals_are_counted_and_the_first_listed(settings, tmp_path):
    path = _bad_literals(tmp_path / "literals.ttl", 200_000)
    started = time.monotonic()
    result = run_subprocess("validate", "--no-owl", "--format", "text", path, env_build_dir=settings.build_dir)
    print(f"200,000 bad literals rejected in {time.monotonic() - started:.1f} s")
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    assert "[vocabulary/ill-typed-literal-flood] 200,000 literals are not valid values of their XSD datatype" \
        in result.stdout
    assert result.stdout.count("[vocabulary/ill-typed-literal]") == 99
    assert f'{path}: [vocabulary/ill-typed-literal] "0x" is not a valid xsd:int' in result.stdout


@pytest.mark.slow
def test_a_few_bad_literals_are_each_located(settings, tmp_path):
    path = _bad_literals(tmp_path / "literals.ttl", 30)
    result = run_subprocess("validate", "--no-owl", "--format", "text", path, env_build_dir=settings.build_dir)
    assert result.returncode == 1
    assert result.stdout.count("[vocabulary/ill-typed-literal]") == 30
    assert f'{path}:6:2: [vocabulary/ill-typed-literal] "0x" is not a valid xsd:int' in result.stdout


@pytest.mark.slow
def test_a_stage_past_its_time_limit_is_stopped_with_exit_2(settings, tmp_path):
    path = _labels(tmp_path / "slow.ttl", 60_000)
    result = run_subprocess("validate", "--no-owl", "--stage-seconds", "0.5", path, env_build_dir=settings.build_dir)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"stage syntax went past its time limit of 0.5 s on {path}" in result.stdout
    assert "--stage-seconds" in result.stdout


@pytest.mark.slow
def test_a_stage_past_its_memory_limit_is_stopped_with_exit_2(settings, tmp_path):
    path = _labels(tmp_path / "big.ttl", 60_000)
    result = run_subprocess("validate", "--no-owl", "--memory-mb", "16", path, env_build_dir=settings.build_dir)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"went past its memory limit of 16 MiB on {path}" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_limits_come_from_the_environment(settings, monkeypatch):
    monkeypatch.setenv("ECOKG_GATE_MAX_PREFIXES", "2")
    result = run_subprocess("validate", "--no-owl", GOOD / "new-link.ttl", env_build_dir=settings.build_dir)
    assert result.returncode == 2 and "more than the limit of 2" in result.stdout
    monkeypatch.setenv("ECOKG_GATE_MAX_PREFIXES", "many")
    result = run_subprocess("validate", "--no-owl", GOOD / "new-link.ttl", env_build_dir=settings.build_dir)
    assert result.returncode == 2 and "ECOKG_GATE_MAX_PREFIXES='many' is not a number" in result.stderr


@pytest.mark.slow
def test_help_documents_the_limits(settings):
    result = run_subprocess("validate", "--help", env_build_dir=settings.build_dir)
    for text in ("--stage-seconds", "ECOKG_GATE_STAGE_SECONDS", "--memory-mb", "ECOKG_GATE_MEMORY_MB",
                 "--max-prefixes", "--max-problems", "cannot open network connections"):
        assert text in result.stdout, text


def test_problems_are_capped_in_process(settings, gate_base, tmp_path):
    path = _bad_literals(tmp_path / "few.ttl", 7)
    report = validate_files([path], settings, owl=False, base=gate_base, limits=GateLimits(max_problems=3))
    assert [p.rule for p in report.problems] == ["ill-typed-literal"] * 3 + ["more-problems"]
    assert report.problems[-1].message.startswith("… and 4 more problem(s)")


# ------------------------------------------------------------------------------------------------
# Error locations
# ------------------------------------------------------------------------------------------------

def test_syntax_error_after_non_ascii_text_is_located_exactly():
    """rdflib keeps the text as UTF-8 bytes but the position in characters: the location must not drift."""
    lines = [f'ecoid:A{i} rdfs:label "{"کوئٹہ" * 40}"@ur .' for i in range(13)]
    text = HEADER + "\n".join(lines) + '\necoid:B rdfs:label "x" ; ; oops .\n'
    _graph, problems = parse_checked(SourceFile.from_text(Path("urdu.ttl"), text))
    last = text.splitlines()[17]
    assert (problems[0].line, problems[0].column) == (18, last.index("oops") + 1), problems


@pytest.mark.slow
def test_a_parser_position_out_of_range_gives_no_column():
    class Odd(Exception):
        _i, _str, lines = -821, b"ab\ncd", 15

    error = parse_error("odd.ttl", Odd("bad"), "ab\ncd")
    assert error.column is None and error.location() == "odd.ttl:16"
    assert Problem("syntax", "x", "m", file="f.ttl", line=16, column=-821).location() == "f.ttl:16"


@pytest.mark.slow
def test_a_stage_stuck_where_its_deadline_cannot_reach_is_stopped_by_the_parent(settings, gate_base, monkeypatch):
    # as pyoxigraph waiting for ever on a lock at the memory cap: the stage's own alarm never runs
    import signal

    import kg.validate

    def stuck(*_args, **_kwargs):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)

    monkeypatch.setattr(kg.validate, "check_vocabulary", stuck)
    limits = GateLimits.from_settings(settings).with_(stage_seconds=3)
    started = time.monotonic()
    report = validate_files([GOOD / "new-link.ttl"], settings, owl=False, base=gate_base, limits=limits)
    # the stage's 3 s and 5 s of grace, not the child's whole deadline (a stage's limit for each stage: 30 s)
    assert time.monotonic() - started < 25
    assert report.exit_code == 2 and report.failed_stage == "vocabulary"
    assert "went past its time limit of 3 s" in report.problems[0].message
