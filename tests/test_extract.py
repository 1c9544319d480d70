"""`ecokg extract`: a draft of a source's claims a curator can accept line by line, and its score on the interview."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from kg import cli
from kg.namespaces import ECO, ID, MODALITY, OA
from kg.settings import PROJECT_ROOT

INTERVIEW = "iran-pakistan-eco-security-interview"
TEXT = (PROJECT_ROOT / "seeds" / f"{INTERVIEW}.txt").read_text(encoding="utf-8")
DRAFT_LINE = re.compile(r"^(\S+) eco:curationStatus eco:Draft \.$", re.MULTILINE)


@pytest.fixture
def run(capsys, monkeypatch, tmp_path):
    """``ecokg ARGS`` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("ECOKG_BUILD_DIR", str(tmp_path / "build"))

    def call(*args) -> tuple[int, str, str]:
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def run_against_the_build(run, settings, built, monkeypatch):
    """`run`, with the session's build of the packaged seeds (read only) as the graph the gate checks against:
    the same graph an empty build folder would be filled with first."""
    monkeypatch.setenv("ECOKG_BUILD_DIR", str(settings.build_dir))
    return run


@pytest.fixture(scope="module")
def interview_draft(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("draft") / "draft.ttl"
    assert cli.main(["extract", INTERVIEW, "--output", str(path)]) == 0
    return path


def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def claims_of(graph: Graph) -> set:
    return {c for c in graph.subjects(ECO.quote, None)}


# -- the interview ------------------------------------------------------------------------------------------

def test_the_evaluation_on_the_interview_meets_the_floors(run):
    code, out, err = run("extract", INTERVIEW, "--evaluate", "--format", "json")
    assert code == 0, err
    scores = json.loads(out)
    assert scores["mentions"]["precision"] >= 0.9
    assert scores["mentions"]["recall"] >= 0.9
    assert scores["claims"]["sentence_recall"] >= 0.9
    assert 0.0 <= scores["modality"]["agreement"] <= 1.0
    assert scores["claims"]["curated"] == 51


def test_the_evaluation_reads_as_text_too(run):
    code, out, _err = run("extract", INTERVIEW, "--evaluate")
    assert code == 0
    assert re.search(r"^mentions +precision [01]\.\d+ +recall [01]\.\d+", out, re.MULTILINE)
    assert re.search(r"^claims +sentence recall [01]\.\d+", out, re.MULTILINE)
    assert re.search(r"^modality +agreement [01]\.\d+", out, re.MULTILINE)


def test_same_input_same_bytes(run, interview_draft, tmp_path):
    code, out, _err = run("extract", INTERVIEW)
    assert code == 0
    again = tmp_path / "again.ttl"
    assert run("extract", INTERVIEW, "--output", again)[0] == 0
    assert out.encode("utf-8") == interview_draft.read_bytes() == again.read_bytes()


def test_every_drafted_claim_has_exactly_one_draft_line(interview_draft):
    text = interview_draft.read_text(encoding="utf-8")
    graph = parse(interview_draft)
    marked = DRAFT_LINE.findall(text)
    assert len(marked) == len(set(marked)) == len(claims_of(graph)) > 30
    assert set(graph.subjects(ECO.curationStatus, ECO.Draft)) == claims_of(graph)


def test_each_claim_quotes_one_sentence_of_the_text_and_names_source_holder_and_attribution(interview_draft):
    graph = parse(interview_draft)
    source = URIRef("https://w3id.org/eco-kg/id/source/" + INTERVIEW)
    for claim in claims_of(graph):
        quote = str(graph.value(claim, ECO.quote))
        assert quote in TEXT and "\n" not in quote
        assert graph.value(claim, PROV.wasDerivedFrom) == source
        assert graph.value(claim, ECO.holder) is not None
        assert graph.value(claim, ECO.modality) is not None
        assert (claim, RDF.type, None) in graph
    # a question's words are the interviewer's, an answer's the speaker's, held by the state he speaks for
    question = next(c for c in claims_of(graph) if str(graph.value(c, ECO.quote)).startswith("Given Pakistan’s"))
    assert graph.value(question, PROV.wasAttributedTo) == ID.UnknownInterviewer
    assert graph.value(question, ECO.holder) == ID.UnknownInterviewer
    answer = next(c for c in claims_of(graph) if str(graph.value(c, ECO.quote)).startswith("Islamabad would be"))
    assert graph.value(answer, PROV.wasAttributedTo) == ID.UnnamedPakistaniOfficial
    assert graph.value(answer, ECO.holder) == ID.Pakistan
    assert graph.value(answer, ECO.modality) == MODALITY.Proposed
    assert ID.ECOThematicWorkingGroups in set(graph.objects(answer, ECO.concernsMeasure))
    # the title and the page marker are headings, not claims
    assert not [c for c in claims_of(graph) if "Page 1" in str(graph.value(c, ECO.quote))]


def test_mention_selectors_slice_the_text_and_nested_mentions_are_marked(interview_draft):
    graph = parse(interview_draft)
    annotations = set(graph.subjects(OA.motivatedBy, OA.identifying))
    assert len(annotations) > 150
    spans = {}
    for annotation in annotations:
        target = graph.value(annotation, OA.hasTarget)
        selectors = list(graph.objects(target, OA.hasSelector))
        quote = next(s for s in selectors if (s, RDF.type, OA.TextQuoteSelector) in graph)
        position = next(s for s in selectors if (s, RDF.type, OA.TextPositionSelector) in graph)
        start, end = int(graph.value(position, OA.start)), int(graph.value(position, OA.end))
        exact = str(graph.value(quote, OA.exact))
        assert TEXT[start:end] == exact
        assert TEXT[:start].endswith(str(graph.value(quote, OA.prefix)))
        assert TEXT[end:].startswith(str(graph.value(quote, OA.suffix)))
        assert len(str(graph.value(quote, OA.prefix))) == min(32, start)
        spans[annotation] = (start, end, set(graph.objects(annotation, OA.hasBody)))
    sea_in_group = [a for a, (s, e, bodies) in spans.items() if ID.PersianGulf in bodies
                    and TEXT[s:].startswith("Persian Gulf Arab states")]
    assert sea_in_group
    for inner in sea_in_group:
        outer = graph.value(inner, ECO.nestedIn)
        assert outer is not None and ID.PersianGulfArabStates in spans[outer][2]
    # Iran is not found inside "Iranian" (word boundaries)
    assert not [a for a, (s, e, bodies) in spans.items() if ID.Iran in bodies and TEXT[s:e + 1] == "Irani"]


@pytest.mark.slow
def test_the_gate_refuses_a_claim_still_marked_draft_and_names_it(run_against_the_build, interview_draft, tmp_path):
    text = interview_draft.read_text(encoding="utf-8")
    first, *others = DRAFT_LINE.findall(text)
    keep_one_mark = DRAFT_LINE.sub(lambda m: m.group(0) if m.group(1) == first else "", text)
    path = tmp_path / "one-mark.ttl"
    path.write_text(keep_one_mark, encoding="utf-8")
    code, out, _err = run_against_the_build("validate", "--no-owl", path)
    assert code == 1
    assert "still a draft" in out and first in out
    assert not [claim for claim in others if claim in out]


@pytest.mark.slow
def test_the_draft_without_its_marks_passes_the_gate_as_written(run_against_the_build, interview_draft, tmp_path):
    accepted = tmp_path / "accepted.ttl"
    accepted.write_text(DRAFT_LINE.sub("", interview_draft.read_text(encoding="utf-8")), encoding="utf-8")
    code, out, _err = run_against_the_build("validate", "--no-owl", accepted)
    assert code == 0, out


# -- a source of one's own ------------------------------------------------------------------------------------

FICTION = """A fictional statement, written for the tests
Page 1
This text is invented for testing; no one said it.
Turkey favours closer customs cooperation with Iran. Türkiye would welcome a joint rail study with Pakistan.
Turkey could host a meeting of ECO transport ministers in Izmir.
Iran should open its border markets to Turkey.
Iran is not a member of the Shanghai Forum.
Turkey and Iran already cooperate on electricity. A gas link with Iran is under discussion.
Turkey expects trade with Pakistan to grow.
Customs board of the fictional union meets in spring.
Does Turkey see Afghanistan as a transit route?
Turkey sees Afghanistan as a partner of the Kalbar Valley Initiative.
"""

RECORD = """@prefix eco: <https://w3id.org/eco-kg/ontology/> .
@prefix ecoid: <https://w3id.org/eco-kg/id/> .
@prefix source: <https://w3id.org/eco-kg/id/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

source:fictional-statement a eco:Interview ;
    dcterms:title "A fictional statement, written for the tests" ;
    dcterms:language "en" ;
    eco:textFile "fictional-statement.txt" ;
    eco:sha256 "{digest}" ;
    eco:speaker ecoid:FictionalSpeaker ;
    eco:interviewer ecoid:FictionalInterviewer .

ecoid:FictionalSpeaker a eco:Person ; rdfs:label "fictional speaker"@en ; prov:actedOnBehalfOf ecoid:Turkey .
ecoid:FictionalInterviewer a eco:Person ; rdfs:label "fictional interviewer"@en .
ecoid:FictionalCustomsBoard a eco:IntergovernmentalOrganisation ;
    rdfs:label "customs board of the fictional union"@en .
"""


@pytest.fixture
def own_project(tmp_path) -> Path:
    """A data folder holding only seeds/: the packaged entities, and one fictional source."""
    seeds = tmp_path / "own" / "seeds"
    seeds.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "seeds" / "entities.ttl", seeds / "entities.ttl")
    (seeds / "fictional-statement.txt").write_text(FICTION, encoding="utf-8")
    digest = hashlib.sha256(FICTION.encode("utf-8")).hexdigest()
    (seeds / "fictional-statement.ttl").write_text(RECORD.replace("{digest}", digest), encoding="utf-8")
    return tmp_path / "own"


def test_cue_words_suggest_kind_and_modality_on_a_new_source(run, own_project):
    code, out, err = run("--root", own_project, "extract", "fictional-statement")
    assert code == 0, err
    graph = Graph().parse(data=out, format="turtle")
    by_quote = {str(graph.value(c, ECO.quote)): c for c in claims_of(graph)}

    def drafted(opening: str):
        claim = next(c for q, c in by_quote.items() if q.startswith(opening))
        return graph.value(claim, RDF.type), graph.value(claim, ECO.modality), claim

    assert drafted("Turkey favours")[:2] == (ECO.Stance, MODALITY.Favoured)
    assert drafted("Türkiye would welcome")[:2] == (ECO.Stance, MODALITY.Favoured)
    assert drafted("Turkey could host")[:2] == (ECO.Proposal, MODALITY.Offered)
    assert drafted("Iran should open")[:2] == (ECO.Stance, MODALITY.Required)
    assert drafted("Iran is not")[:2] == (ECO.FactualStatement, MODALITY.NotTheCase)
    assert drafted("Turkey and Iran already")[:2] == (ECO.FactualStatement, MODALITY.Existing)
    assert drafted("A gas link")[:2] == (ECO.Assessment, MODALITY.UnderDiscussion)
    assert drafted("Turkey expects")[:2] == (ECO.Assessment, MODALITY.Expected)
    # holder and attribution from the source's defaults; the interviewer's for the question
    _kind, _modality, favours = drafted("Turkey favours")
    assert graph.value(favours, ECO.holder) == ID.Turkey
    assert graph.value(favours, PROV.wasAttributedTo) == ID.FictionalSpeaker
    assert ID.Iran in set(graph.objects(favours, ECO.involves))
    _kind, _modality, question = drafted("Does Turkey see")
    assert graph.value(question, ECO.holder) == ID.FictionalInterviewer
    assert graph.value(question, PROV.wasAttributedTo) == ID.FictionalInterviewer
    # what it is about, by the kind of what it mentions
    _kind, _modality, host = drafted("Turkey could host")
    assert graph.value(host, ECO.forum) == ID.ECO
    # an alternative label, and a lower-case label at the start of a sentence, are names too
    named = {}
    for annotation in graph.subjects(OA.motivatedBy, OA.identifying):
        for selector in graph.objects(graph.value(annotation, OA.hasTarget), OA.hasSelector):
            if graph.value(selector, OA.exact) is not None:
                named[str(graph.value(selector, OA.exact))] = set(graph.objects(annotation, OA.hasBody))
    assert named["Türkiye"] == {ID.Turkey}
    assert named["Customs board of the fictional union"] == {ID.FictionalCustomsBoard}
    # no claim for the headings or for the sentence that mentions nothing known
    assert not [q for q in by_quote if "invented" in q or q.startswith("A fictional")]


def test_capitalised_names_no_entity_knows_are_listed(run, own_project):
    code, out, _err = run("--root", own_project, "extract", "fictional-statement")
    assert code == 0
    listed = out.split("capitalised names no entity knows", 1)[1]
    for name in ("Izmir", "Shanghai Forum", "Kalbar Valley Initiative"):
        assert repr(name) in listed
    for known in ("Turkey", "Iran", "ECO", "Does", "This"):
        assert repr(known) not in listed


def test_an_unknown_source_is_exit_2_naming_the_known_ones(run):
    code, out, err = run("extract", "no-such-source")
    assert code == 2 and out == ""
    assert "no registered source 'no-such-source'" in err and INTERVIEW in err
    assert "Traceback" not in err


def test_an_output_that_is_a_folder_is_exit_2_and_nothing_is_written(run, tmp_path):
    code, _out, err = run("extract", INTERVIEW, "--output", tmp_path)
    assert code == 2 and "is a folder" in err
    assert list(tmp_path.iterdir()) == []


def test_names_match_on_word_boundaries_acronyms_as_written_and_nested_names_are_kept():
    from kg.gazetteer import Gazetteer

    gazetteer = Gazetteer()
    for name, entity in (("Iran", ID.Iran), ("ECO", ID.ECO), ("Persian Gulf", ID.PersianGulf),
                         ("Persian Gulf Arab states", ID.PersianGulfArabStates)):
        gazetteer.add(name, entity)
    gazetteer.add("member states", ID.ECOMemberStates, exact=False)
    text = "Iranian eco Eco ECO. Member states of ECO and the Persian Gulf Arab states met in Iran’s capital."
    found = [(m.span.exact, m.entity, m.nested_in) for m in gazetteer.find(text)]
    assert [(exact, entity) for exact, entity, _n in found] == [
        ("ECO", ID.ECO), ("Member states", ID.ECOMemberStates), ("ECO", ID.ECO),
        ("Persian Gulf", ID.PersianGulf), ("Persian Gulf Arab states", ID.PersianGulfArabStates), ("Iran", ID.Iran)]
    sea = found[3]
    assert found[sea[2]][1] == ID.PersianGulfArabStates
    assert [n for _e, _entity, n in found if n is not None] == [sea[2]]


# -- a source registered in a researcher's project ------------------------------------------------------------

PROJECT_NAMESPACE = "https://example.org/speeches/"
SPEECH = ("Remarks at the trade forum\n"
          "Pakistan favours closer ties with Turkey in trade and transit.\n"
          "Both sides already meet every year in Karachi Harbour Hall.\n")


def ecokg(*args, cwd: Path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOKG_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.fixture
def ecokg_here(monkeypatch, capsys):
    """`ecokg` as `ecokg()` runs it (in ``cwd``, no ECOKG_ variable set), but in this process: the steps around
    the one the test is about, which do not need an interpreter of their own."""
    for name in [name for name in os.environ if name.startswith("ECOKG_")]:
        monkeypatch.delenv(name)

    def call(*args, cwd: Path) -> SimpleNamespace:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return call


@pytest.mark.slow
def test_a_project_source_is_drafted_in_the_project_namespace_and_its_accepted_draft_passes_the_gate(tmp_path,
                                                                                                     ecokg_here):
    folder = tmp_path / "speeches"
    assert ecokg_here("init", folder, "--namespace", PROJECT_NAMESPACE, cwd=tmp_path).returncode == 0
    text = tmp_path / "trade-forum.txt"
    text.write_text(SPEECH, encoding="utf-8")
    done = ecokg_here("source", "add", text, "--title", "Remarks at the trade forum", "--speaker", "Jane Doe",
                      "--holder", "Pakistan", "--language", "en", cwd=folder)
    assert done.returncode == 0, done.stderr
    # the drafting, in a process of its own that finds the project from its working directory
    done = ecokg("extract", "trade-forum", "--output", "claims/trade-forum.draft.ttl", cwd=folder)
    assert done.returncode == 0, done.stderr
    draft_path = folder / "claims" / "trade-forum.draft.ttl"
    graph = parse(draft_path)
    claims = claims_of(graph)
    assert claims and all(str(c).startswith(PROJECT_NAMESPACE + "id/claim/trade-forum-s") for c in claims)
    favours = next(c for c in claims if str(graph.value(c, ECO.quote)).startswith("Pakistan favours"))
    assert graph.value(favours, RDF.type) == ECO.Stance and graph.value(favours, ECO.modality) == MODALITY.Favoured
    assert graph.value(favours, ECO.holder) == ID.Pakistan
    assert graph.value(favours, PROV.wasAttributedTo) == URIRef(PROJECT_NAMESPACE + "id/JaneDoe")
    assert graph.value(favours, PROV.wasDerivedFrom) == URIRef(PROJECT_NAMESPACE + "id/source/trade-forum")
    assert "'Karachi Harbour Hall'" in draft_path.read_text(encoding="utf-8")
    refused = ecokg_here("validate", "--no-owl", draft_path, cwd=folder)
    assert refused.returncode == 1 and "still a draft" in refused.stdout
    accepted = folder / "claims" / "trade-forum.ttl"
    accepted.write_text(DRAFT_LINE.sub("", draft_path.read_text(encoding="utf-8")), encoding="utf-8")
    draft_path.unlink()
    passed = ecokg_here("validate", "--no-owl", accepted, cwd=folder)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    # with its claims curated, the source's draft can be scored
    scored = ecokg_here("extract", "trade-forum", "--evaluate", "--format", "json", cwd=folder)
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["claims"]["sentence_recall"] == 1.0


def test_evaluating_a_source_without_curated_claims_is_exit_2(run, own_project):
    code, out, err = run("--root", own_project, "extract", "fictional-statement", "--evaluate")
    assert code == 2 and out == ""
    assert "no curated claims" in err and "Traceback" not in err


def test_format_without_evaluate_is_a_usage_error(run):
    code, out, err = run("extract", INTERVIEW, "--format", "json")
    assert code == 2 and out == ""
    assert "--format" in err and "--evaluate" in err and "Traceback" not in err


def test_the_scores_go_to_the_output_file_when_one_is_given(run, tmp_path):
    path = tmp_path / "scores.json"
    code, out, _err = run("extract", INTERVIEW, "--evaluate", "--format", "json", "--output", path)
    assert code == 0 and out == ""
    assert json.loads(path.read_text(encoding="utf-8"))["mentions"]["recall"] >= 0.9


def test_labels_carry_the_source_language_and_a_language_without_sentence_rules_is_cut_as_english(run, own_project):
    record = own_project / "seeds" / "fictional-statement.ttl"
    record.write_text(record.read_text(encoding="utf-8").replace('dcterms:language "en"', 'dcterms:language "tr"'),
                      encoding="utf-8")
    code, out, err = run("--root", own_project, "extract", "fictional-statement")
    assert code == 0, err
    graph = Graph().parse(data=out, format="turtle")
    labels = [graph.value(c, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) for c in claims_of(graph)]
    assert labels and {label.language for label in labels} == {"tr"}
    assert any(str(graph.value(c, ECO.quote)) == "Turkey favours closer customs cooperation with Iran."
               for c in claims_of(graph))
