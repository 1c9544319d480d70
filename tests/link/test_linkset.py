"""The committed linkset: generated from the reviewed tables, only verified IDs, only true matches."""
from __future__ import annotations

import csv

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, VOID, XSD

from kg.errors import LinkError
from kg.link import (
    LINKSET_IRI, entity_register, linkset_is_current, linkset_path, load_id_table, load_mapping, write_linkset,
)
from kg.namespaces import ECO, ID, WD, WIKIDATA_LINKS_GRAPH


@pytest.fixture(scope="module")
def linkset(settings) -> Graph:
    return Graph().parse(linkset_path(settings), format="turtle")


def test_committed_linkset_is_what_the_tables_generate(settings):
    assert linkset_is_current(settings)


def test_every_link_target_is_a_row_of_the_verified_table(settings, linkset):
    table = load_id_table(settings)
    targets = {str(o) for o in linkset.objects(None, OWL.sameAs)}
    assert targets
    assert all(t.startswith(str(WD)) and t[len(str(WD)):] in table for t in targets), targets


def test_states_organisations_and_places_are_linked(linkset):
    expected = {"Pakistan": "Q843", "Iran": "Q794", "China": "Q148", "SaudiArabia": "Q851", "Turkey": "Q43",
                "Afghanistan": "Q889", "ECO": "Q225950", "UnitedNations": "Q1065", "PersianGulf": "Q34675",
                "ArabianSea": "Q58705", "SouthAsia": "Q771405", "Europe": "Q46"}
    for name, qid in expected.items():
        assert (ID[name], OWL.sameAs, WD[qid]) in linkset, name


@pytest.mark.parametrize("entity, wrong_item", [
    ("WesternChina", "Q34800"),            # not Xinjiang
    ("PersianGulfArabStates", "Q217172"),  # not the Gulf Cooperation Council
])
def test_near_matches_are_not_linked(linkset, entity, wrong_item):
    assert not set(linkset.objects(ID[entity], OWL.sameAs))
    assert not set(linkset.subjects(OWL.sameAs, WD[wrong_item]))


@pytest.mark.parametrize("entity", ["TIRSystem", "ChinaPakistanEconomicCorridor", "IranPakistanGasPipeline",
                                    "Araghchi", "GlobalSouth"])
def test_unconfirmed_entities_stay_unlinked(linkset, entity):
    assert not set(linkset.objects(ID[entity], OWL.sameAs))


def test_no_two_entities_share_an_item(linkset):
    targets = [o for o in linkset.objects(None, OWL.sameAs)]
    assert len(targets) == len(set(targets))


def test_linkset_is_described_with_void(linkset):
    assert (LINKSET_IRI, RDF.type, VOID.Linkset) in linkset
    assert (LINKSET_IRI, VOID.linkPredicate, OWL.sameAs) in linkset
    assert (LINKSET_IRI, VOID.subjectsTarget, URIRef("https://w3id.org/eco-kg/dataset")) in linkset
    objects_target = linkset.value(LINKSET_IRI, VOID.objectsTarget)
    assert (objects_target, RDF.type, VOID.Dataset) in linkset
    links = len(set(linkset.subject_objects(OWL.sameAs)))
    assert linkset.value(LINKSET_IRI, VOID.triples) == Literal(links, datatype=XSD.integer)


def test_every_link_carries_its_confirmation_and_agreeing_sources(settings, linkset):
    table = load_id_table(settings)
    for subject, target in linkset.subject_objects(OWL.sameAs):
        axioms = [a for a in linkset.subjects(OWL.annotatedSource, subject)
                  if linkset.value(a, OWL.annotatedTarget) == target]
        assert len(axioms) == 1, subject
        axiom = axioms[0]
        assert linkset.value(axiom, OWL.annotatedProperty) == OWL.sameAs
        assert str(linkset.value(axiom, DCTERMS.description))
        agreeing = linkset.value(axiom, ECO.agreeingSources)
        assert int(agreeing) == table[str(target)[len(str(WD)):]].agreeing_sources


def test_same_as_joins_individuals_only(dataset):
    """OWL 2 DL: owl:sameAs between individuals, never a class or a property of the ontology."""
    links = dataset.graph(WIKIDATA_LINKS_GRAPH)
    schema_terms = {s for s in dataset.subjects(RDF.type, OWL.Class)} | \
                   {s for s in dataset.subjects(RDF.type, OWL.ObjectProperty)}
    pairs = list(links.subject_objects(OWL.sameAs))
    assert pairs
    for subject, target in pairs:
        assert subject not in schema_terms and target not in schema_terms
        assert any(dataset.objects(subject, RDF.type)), f"{subject} has no class in the build"


def test_build_puts_the_linkset_into_its_named_graph(dataset):
    links = dataset.graph(WIKIDATA_LINKS_GRAPH)
    assert (ID.Pakistan, OWL.sameAs, WD.Q843) in links


def test_mapping_covers_every_register_entity_once_with_the_unlinked_list(settings):
    register = entity_register(settings)
    linked = {r.entity for r in load_mapping(settings)}
    path = settings.seeds_dir / "links" / "unlinked.tsv"
    rows = [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")][1:]
    unlinked = {ID[name] for name in rows}
    assert not linked & unlinked
    assert set(register) == linked | unlinked


def test_write_is_reproducible(project):
    first = write_linkset(project).read_bytes()
    second = write_linkset(project).read_bytes()
    assert first == second


def test_mapping_row_with_an_id_outside_the_table_is_refused(project):
    path = project.seeds_dir / "links" / "mapping.tsv"
    path.write_text(path.read_text(encoding="utf-8") +
                    "WesternChina\tQ999999999001\tXinjiang\tguess\t1\n", encoding="utf-8")
    with pytest.raises(LinkError, match="not in the verified ID table"):
        load_mapping(project)


def test_mapping_row_with_a_malformed_id_names_file_and_line(project):
    path = project.seeds_dir / "links" / "mapping.tsv"
    text = path.read_text(encoding="utf-8").replace("Pakistan\tQ843\t", "Pakistan\tQ0843\t")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LinkError) as raised:
        load_mapping(project)
    line = next(n for n, l in enumerate(text.splitlines(), 1) if l.startswith("Pakistan\t"))
    assert "malformed Wikidata item ID" in str(raised.value)
    assert f"mapping.tsv:{line}" in str(raised.value)


def test_one_item_for_two_entities_is_refused(project):
    path = project.seeds_dir / "links" / "mapping.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("Iran\tQ794\tIran\t", "Iran\tQ843\tPakistan\t"),
                    encoding="utf-8")
    with pytest.raises(LinkError, match="linked from two entities"):
        load_mapping(project)


def test_check_reports_a_stale_linkset(project, ecokg):
    path = linkset_path(project)
    path.write_text(path.read_text(encoding="utf-8").replace("wd:Q843", "wd:Q794", 1), encoding="utf-8")
    result = ecokg("link", "--check", root=project.root)
    assert result.code == 1
    assert "out of date" in result.err


def test_copied_table_keeps_its_provenance_header(settings):
    text = (settings.seeds_dir / "links" / "wikidata-links.tsv").read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert "checked offline" in text and "independent files" in text
    rows = list(csv.reader([l for l in text.splitlines() if not l.startswith("#")], delimiter="\t"))
    assert rows[0] == ["label", "wikidata_id", "independent_sources_agreeing"]


def test_built_dataset_with_the_linkset_conforms_to_the_shapes(dataset, settings):
    from kg.checks import shacl_check

    report = shacl_check(dataset, settings)
    assert report.conforms, report.summary()


@pytest.mark.reasoner
def test_ontology_entities_and_linkset_are_consistent_for_hermit(dataset):
    from kg.namespaces import ENTITIES_GRAPH, ONTOLOGY_GRAPH
    from kg.reasoner import check_consistency

    report = check_consistency([dataset.graph(ONTOLOGY_GRAPH), dataset.graph(ENTITIES_GRAPH),
                                dataset.graph(WIKIDATA_LINKS_GRAPH)])
    assert report.ok, report.explanation
