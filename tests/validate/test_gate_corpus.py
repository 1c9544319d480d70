"""Every kind of bad contribution is rejected at the right stage, with the right exit code and message;
every kind of good contribution passes. Each case runs through the command line and through the function."""
from __future__ import annotations

import pytest

from kg.gate.limits import GateLimits
from kg.validate import validate_files

from gate_fixtures import fixture_path

# file -> (stage that rejects it, exit code, fragment of the message, needs the OWL stage)
BAD_CASES = {
    "malformed-turtle.ttl": ("syntax", 2, "expected '.'", False),
    "undeclared-prefix.ttl": ("syntax", 2, "undeclared prefix country:", False),
    "latin1.ttl": ("bytes", 2, "not UTF-8: byte 0xE9 at byte offset", False),
    "nul-byte.ttl": ("bytes", 2, "control character U+0000 (NUL)", False),
    "oversized.ttl": ("bytes", 2, "more than the limit of 5,242,880 bytes", False),
    "trig-in-ttl.ttl": ("syntax", 2, "the file is TriG", False),
    "unknown-extension.txt": ("input", 2, "unknown RDF file extension '.txt'", False),
    "no-such-file.ttl": ("input", 2, "no such file", False),
    "iri-with-space.ttl": ("vocabulary", 1, "IRI contains a space", False),
    "relative-iri.ttl": ("vocabulary", 1, "relative IRI <Gwadar>", False),
    "file-iri.ttl": ("vocabulary", 1, "IRI scheme file: is not allowed", False),
    "javascript-iri.ttl": ("vocabulary", 1, "IRI scheme javascript: is not allowed", False),
    "subject-outside-namespace.ttl": ("vocabulary", 1, "outside the project namespace", False),
    "coined-term.ttl": ("vocabulary", 1, "skos:favourite is in the skos: vocabulary", False),
    "unknown-class.ttl": ("vocabulary", 1, "unknown class eco:Stat; did you mean eco:State?", False),
    "unknown-property.ttl": ("vocabulary", 1, "unknown property eco:holdr", False),
    "ill-typed-literal.ttl": ("vocabulary", 1, '"20x4" is not a valid xsd:gYear', False),
    "iri-for-literal.ttl": ("vocabulary", 1, "rdfs:label takes a literal value", False),
    "literal-for-iri.ttl": ("vocabulary", 1, "eco:holder links to a resource", False),
    "language-tag.ttl": ("vocabulary", 1, "language tag @en-portcitysubtag is not well-formed", False),
    "escaped-nul.ttl": ("vocabulary", 1, "control character U+0000", False),
    "blank-node-entity.ttl": ("vocabulary", 1, "a blank node is typed as eco:State", False),
    "tbox-edit.ttl": ("vocabulary", 1, "may not add ontology axioms: eco:State rdfs:subClassOf", False),
    "malformed-wikidata-id.ttl": ("vocabulary", 1, "malformed Wikidata ID", False),
    "wrong-datatype.ttl": ("shacl", 1, "eco:quote", False),
    "domain-violation.ttl": ("shacl", 1, "only a eco:Claim may have eco:holder", False),
    "range-violation.ttl": ("shacl", 1, "sh:class eco:Actor", False),
    "cardinality.ttl": ("shacl", 1, "exactly one eco:modality", False),
    "missing-evidence.ttl": ("shacl", 1, "a claim needs eco:quote", False),
    "quote-not-in-source.ttl": ("evidence", 1, "quote not found in source", False),
    "selector-offsets.ttl": ("evidence", 1, "not the quoted 'wider stabilising architecture'", False),
    "disjoint-classes.ttl": ("owl", 1, "eco:Port and eco:Region, which the ontology declares disjoint", True),
    "dangling-iri.ttl": ("graph", 1, "ecoid:Atlantis is not described anywhere", False),
    "duplicate-label.ttl": ("graph", 1, "like the existing ecoid:Pakistan", False),
    "duplicate-wikidata-id.ttl": ("graph", 1, "both linked to Wikidata item Q842", False),
    # nothing a file points to is read, nothing it defines is expanded
    "remote-context.jsonld": ("syntax", 2, "JSON-LD context 'http://127.0.0.1:9/context.jsonld' would be read "
                                           "from elsewhere", False),
    "file-context-import.jsonld": ("syntax", 2, "JSON-LD @import of 'file:///dev/zero' would be read", False),
    "json-ld-in-ttl.ttl": ("syntax", 2, "JSON-LD context 'http://127.0.0.1:9/context.jsonld'", False),
    "billion-laughs.rdf": ("syntax", 2, "declares an XML entity (<!ENTITY …>); the gate expands no entities", False),
    # gaps found by review
    "byte-order-mark.ttl": ("bytes", 2, "starts with a byte order mark", False),
    "same-as-known-entities.ttl": ("graph", 1, "would make ecoid:Pakistan and ecoid:Iran, two distinct entities "
                                               "of the graph, the same individual", False),
    "subject-hash-iri.ttl": ("vocabulary", 1, "new subject <https://w3id.org/eco-kg/id#x> is not under "
                                              "https://w3id.org/eco-kg/id/", False),
    "language-name-tag.ttl": ("vocabulary", 1, "its language 'english' is not a 2- or 3-letter ISO 639 code", False),
    "zero-width-space-label.ttl": ("vocabulary", 1, "invisible character U+200B (ZERO WIDTH SPACE)", False),
    "zero-width-non-joiner-duplicate-label.ttl": ("graph", 1, "like the existing ecoid:Pakistan", False),
    "unsupported-fact.ttl": ("graph", 1, "ecoid:Pakistan eco:cooperatesWith ecoid:Turkey is a plain triple between "
                             "two entities that no factual statement asserts", False),
    "iri-with-pipe.ttl": ("vocabulary", 1, "IRI contains the character '|' U+007C (VERTICAL LINE) at character 29",
                          False),
}

GOOD_CASES = ["new-position.ttl", "new-position.trig", "new-link.ttl", "new-link.nt", "subclass-instance.ttl",
              "unicode-labels.ttl"]


@pytest.fixture(scope="module", autouse=True)
def warmed_gate(settings, gate_base):
    """One check run in this process first: the modules and caches the stages load on first use are then
    inherited by every forked gate child, instead of each child loading them again (a few tenths of a second)."""
    limits = GateLimits.from_settings(settings).with_(isolate=False)
    assert validate_files([fixture_path("new-position.ttl", None)], settings, owl=False, base=gate_base,
                          limits=limits).ok


def _check_rejection(name, stage, code, fragment, exit_code, failed_stage, problems):
    assert exit_code == code, f"{name}: exit code {exit_code}, problems {problems}"
    assert failed_stage == stage, f"{name}: rejected at {failed_stage}, not {stage}: {problems}"
    messages = [p["message"] if isinstance(p, dict) else p.message for p in problems]
    assert any(fragment in m for m in messages), f"{name}: no message contains {fragment!r}: {messages}"
    for problem in problems:
        rule = problem["rule_id"] if isinstance(problem, dict) else problem.rule_id()
        hint = problem["hint"] if isinstance(problem, dict) else problem.hint
        assert rule.startswith(stage + "/")
        if stage not in ("input",):
            assert hint, f"{name}: problem without a fix: {problem}"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_contribution_rejected_by_cli(name, run_json, generated_dir):
    stage, code, fragment, needs_owl = BAD_CASES[name]
    path = fixture_path(name, generated_dir)
    args = [path] if needs_owl else ["--no-owl", path]
    exit_code, report = run_json(*args)
    _check_rejection(name, stage, code, fragment, exit_code, report["failed_stage"], report["problems"])
    located = [p for p in report["problems"] if p["file"] == str(path)]
    assert located, "every problem names the file"
    if stage not in ("input",) and name != "oversized.ttl":
        assert any(p["line"] for p in located), f"{name}: no line number in {located}"


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_contribution_rejected_by_function(name, settings, gate_base, generated_dir):
    stage, code, fragment, needs_owl = BAD_CASES[name]
    path = fixture_path(name, generated_dir)
    report = validate_files([path], settings, owl=needs_owl, base=gate_base)
    _check_rejection(name, stage, code, fragment, report.exit_code, report.failed_stage, report.problems)
    later = [s for s in report.stages if s.status != "skipped"]
    assert later[-1].name == stage, "the run stops at the first stage that fails"


@pytest.mark.slow
@pytest.mark.parametrize("name", GOOD_CASES)
def test_good_contribution_passes_cli(name, run_json):
    exit_code, report = run_json("--no-owl", fixture_path(name, None))
    assert (exit_code, report["problems"]) == (0, [])
    assert report["ok"] and report["triples"] > 0


@pytest.mark.parametrize("name", GOOD_CASES)
def test_good_contribution_passes_function(name, settings, gate_base):
    report = validate_files([fixture_path(name, None)], settings, owl=False, base=gate_base)
    assert report.ok, report.problems
    assert [s.name for s in report.stages if s.status == "passed"] == [
        "input", "bytes", "syntax", "vocabulary", "shacl", "evidence", "graph"]


@pytest.mark.slow
def test_good_contributions_pass_together_with_owl(settings, gate_base):
    """All the good files at once, with HermiT: they are consistent with the graph and each other."""
    paths = [fixture_path(name, None) for name in GOOD_CASES]
    report = validate_files(paths, settings, owl=True, base=gate_base)
    assert report.ok, report.problems
    assert report.stage_seconds("owl") > 0


def test_same_content_in_turtle_and_trig_is_the_same_change(settings, gate_base):
    turtle = validate_files([fixture_path("new-position.ttl", None)], settings, owl=False, base=gate_base)
    trig = validate_files([fixture_path("new-position.trig", None)], settings, owl=False, base=gate_base)
    assert turtle.ok and trig.ok and turtle.triples == trig.triples == 7


@pytest.mark.slow
def test_a_file_below_a_lowered_size_limit_passes_and_above_it_fails(settings, gate_base, run_json):
    path = fixture_path("new-link.ttl", None)
    size = path.stat().st_size
    assert validate_files([path], settings, owl=False, max_bytes=size, base=gate_base).ok
    code, report = run_json("--no-owl", "--max-bytes", str(size - 1), path)
    assert code == 2 and report["problems"][0]["rule_id"] == "bytes/file-too-large"


@pytest.mark.slow
def test_the_base_is_unchanged_after_a_check(settings, gate_base):
    before = len(gate_base.graph)
    validate_files([fixture_path("new-position.ttl", None)], settings, owl=False, base=gate_base)
    validate_files([fixture_path("dangling-iri.ttl", None)], settings, owl=False, base=gate_base)
    assert len(gate_base.graph) == before
