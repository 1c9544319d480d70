"""`ecokg source add` and the build of a project's sources as a researcher meets them: the text kept byte for
byte with its sha256, the record in DCTERMS/PROV, each source in its own named graph, a changed text refused."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from test_project import CLAIM, NAMESPACE, SPEECH, ecokg, make_project, tomllib

ECO = "https://w3id.org/eco-kg/ontology/"
SOURCE = URIRef(NAMESPACE + "id/source/trade-forum")
SOURCE_GRAPH = URIRef(NAMESPACE + "graph/source/trade-forum")
INTERVIEW_GRAPH = URIRef("https://w3id.org/eco-kg/graph/source/iran-pakistan-eco-security-interview")
CLAIM_IRI = URIRef(NAMESPACE + "id/claim/pk-turkey-trade-ties")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = make_project(tmp_path_factory.mktemp("work") / "speeches")
    (folder / "claims" / "trade-forum.ttl").write_text(CLAIM.format(
        subject=CLAIM_IRI, quote="Pakistan favours closer ties with Turkey in trade and transit."), encoding="utf-8")
    return folder


def test_source_add_keeps_the_text_byte_for_byte_and_describes_it(project):
    text = project / "sources" / "trade-forum.txt"
    assert text.read_bytes() == SPEECH.encode("utf-8")
    record = Graph().parse(project / "sources" / "trade-forum.ttl")
    assert record.value(SOURCE, URIRef(ECO + "sha256")) == Literal(hashlib.sha256(text.read_bytes()).hexdigest())
    assert record.value(SOURCE, DCTERMS.title) == Literal("Remarks at the trade forum")
    assert str(record.value(SOURCE, DCTERMS.date)) == "2024-05-01"
    assert record.value(SOURCE, DCTERMS.license) == URIRef("https://spdx.org/licenses/CC-BY-4.0")
    assert record.value(SOURCE, DCTERMS.language) == Literal("en")
    speaker = record.value(SOURCE, PROV.wasAttributedTo)
    assert speaker == URIRef(NAMESPACE + "id/JaneDoe")
    assert (speaker, RDF.type, URIRef(ECO + "Person")) in record
    # the holder given by label is the packaged entity, whom the speaker speaks for
    assert record.value(speaker, PROV.actedOnBehalfOf) == URIRef("https://w3id.org/eco-kg/id/Pakistan")
    # and the curation default the project keeps for the source's claims
    config = tomllib.loads((project / "ecokg.toml").read_text(encoding="utf-8"))
    assert config["sources"]["trade-forum"]["holder"] == "https://w3id.org/eco-kg/id/Pakistan"


@pytest.mark.parametrize("option, value, expected", [
    ("--date", "2024-02-30", "is not a date"),
    ("--date", "1 May 2024", "YYYY-MM-DD"),
    ("--licence", "CC-BY-4", "did you mean CC-BY-4.0"),
    ("--holder", "Pakistn", "did you mean Pakistan"),
    ("--language", "english", "--language 'english'"),
    ("--holder", "Arabian Sea", "is not an actor"),
])
def test_source_add_with_a_bad_option_is_exit_2_and_writes_nothing(project, tmp_path, option, value, expected):
    text = tmp_path / "another-speech.txt"
    text.write_text("Some words.\n", encoding="utf-8")
    before = sorted(p.name for p in (project / "sources").iterdir())
    config = (project / "ecokg.toml").read_bytes()
    done = ecokg("source", "add", str(text), "--title", "Another", option, value, cwd=project)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in (project / "sources").iterdir()) == before
    assert (project / "ecokg.toml").read_bytes() == config


def test_source_add_outside_a_project_says_how_to_make_one(tmp_path):
    text = tmp_path / "speech.txt"
    text.write_text("Words.\n", encoding="utf-8")
    done = ecokg("source", "add", str(text), "--title", "Words", cwd=tmp_path)
    assert done.returncode == 2 and "ecokg init" in done.stderr


def test_a_text_without_a_known_licence_is_recorded_as_all_rights_reserved(project, tmp_path):
    text = tmp_path / "communique.txt"
    text.write_text("A communiqué.\n", encoding="utf-8")
    done = ecokg("source", "add", str(text), "--title", "Communiqué", cwd=project)
    assert done.returncode == 0, done.stderr
    record = Graph().parse(project / "sources" / "communique.ttl")
    doc = URIRef(NAMESPACE + "id/source/communique")
    assert record.value(doc, DCTERMS.license) is None
    assert "all rights" in str(record.value(doc, DCTERMS.rights))


@pytest.mark.slow
def test_the_build_puts_each_project_source_in_its_own_graph_beside_the_packaged_graph(project):
    done = ecokg("build", "--quiet", cwd=project)
    assert done.returncode == 0, done.stderr
    dataset = Dataset(default_union=True)
    dataset.parse(project / "build" / "eco-kg.nq", format="nquads")
    graph = dataset.graph(SOURCE_GRAPH)
    assert (SOURCE, RDF.type, URIRef(ECO + "SourceDocument")) in graph
    assert (CLAIM_IRI, PROV.wasDerivedFrom, SOURCE) in graph
    assert (CLAIM_IRI, PROV.wasAttributedTo, URIRef(NAMESPACE + "id/JaneDoe")) in graph
    assert any(True for _ in graph.objects(CLAIM_IRI, URIRef(ECO + "hasEvidence")))
    # the packaged graph is all there: the interview, its entities
    assert len(dataset.graph(INTERVIEW_GRAPH)) > 1000
    assert (URIRef("https://w3id.org/eco-kg/id/Pakistan"), RDF.type, None) in dataset
    # the dataset's description: the text keeps its own licence; the interview's is not claimed as CC BY
    metadata = dataset.graph(URIRef("https://w3id.org/eco-kg/graph/metadata"))
    assert (SOURCE, DCTERMS.license, URIRef("https://spdx.org/licenses/CC-BY-4.0")) in metadata
    interview = URIRef("https://w3id.org/eco-kg/id/source/iran-pakistan-eco-security-interview")
    assert metadata.value(interview, DCTERMS.license) is None
    assert "all rights" in str(metadata.value(metadata.value(interview, DCTERMS.rights), RDFS.label))
    quoted = metadata.value(URIRef("https://w3id.org/eco-kg/dataset"), DCTERMS.rights)
    assert "not" in str(metadata.value(quoted, RDFS.label))  # the quoted words are not under the CC BY licence
    assert (URIRef("https://w3id.org/eco-kg/dataset"), PROV.wasDerivedFrom, SOURCE) in metadata


@pytest.mark.slow
def test_a_changed_source_text_is_a_build_error_naming_the_file(project, tmp_path):
    copy = tmp_path / "speeches"
    shutil.copytree(project, copy)
    text = copy / "sources" / "trade-forum.txt"
    text.write_bytes(text.read_bytes().replace(b"every year", b"every month"))
    done = ecokg("build", "--quiet", cwd=copy)
    assert done.returncode == 2
    assert "trade-forum.txt" in done.stderr and "sha256" in done.stderr and "Traceback" not in done.stderr


SELECTORS = """\
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ev: <https://example.org/speeches/id/evidence/yearly/> .
ev:target a oa:SpecificResource ;
    oa:hasSource <https://example.org/speeches/id/source/trade-forum> ;
    oa:hasSelector ev:quote , ev:position .
ev:quote a oa:TextQuoteSelector ; oa:exact "Both sides already meet every year." .
ev:position a oa:TextPositionSelector ; oa:start "{start}"^^xsd:nonNegativeInteger ;
    oa:end "{end}"^^xsd:nonNegativeInteger .
"""


@pytest.mark.slow
def test_hand_written_selectors_are_checked_against_the_project_source_they_name(project):
    start = SPEECH.index("Both sides")
    shifted = project / "shifted.ttl"
    shifted.write_text(SELECTORS.format(start=start + 1, end=start + 36), encoding="utf-8")
    done = ecokg("validate", "--no-owl", "shifted.ttl", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[evidence/offsets-mismatch]" in done.stdout and str(SOURCE) in done.stdout
    assert f"the quote is at offset {start}" in done.stdout
    exact = project / "exact.ttl"
    exact.write_text(SELECTORS.format(start=start, end=start + 35), encoding="utf-8")
    done = ecokg("validate", "--no-owl", "exact.ttl", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_text_already_put_in_sources_is_registered_where_it_is(project):
    text = project / "sources" / "press-release.txt"
    text.write_bytes(b"Press release.\r\nThe ministers met.\r\n")
    done = ecokg("source", "add", "sources/press-release.txt", "--title", "Press release", cwd=project)
    assert done.returncode == 0, done.stderr
    assert text.read_bytes() == b"Press release.\r\nThe ministers met.\r\n"
    assert (project / "sources" / "press-release.ttl").is_file()
    again = ecokg("source", "add", "sources/press-release.txt", "--title", "Press release", cwd=project)
    assert again.returncode == 2 and "already registered" in again.stderr


@pytest.mark.slow
def test_check_finds_the_project_sources_texts_and_takes_its_namespace(project, tmp_path):
    copy = tmp_path / "speeches"
    shutil.copytree(project, copy)
    windows = tmp_path / "minutes.txt"  # line ends as a Windows editor writes them, kept byte for byte
    windows.write_bytes(b"Minutes of the meeting\r\nPakistan favours closer ties with Turkey.\r\n")
    assert ecokg("source", "add", str(windows), "--title", "Minutes", "--speaker", "Jane Doe", cwd=copy).returncode == 0
    (copy / "claims" / "minutes.ttl").write_text(CLAIM.format(
        subject=NAMESPACE + "id/claim/minutes-turkey", quote="Pakistan favours closer ties with Turkey.").replace(
        "id/source/trade-forum", "id/source/minutes").replace("in trade and transit", "in the minutes"),
        encoding="utf-8")
    done = ecokg("check", "--no-owl", cwd=copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not found" not in done.stdout and "ProjectIRIShape" not in done.stdout
