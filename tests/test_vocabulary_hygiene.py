"""SKOS integrity (qSKOS-style) and ontology hygiene: what the project says about terms it owns and does not own."""
from __future__ import annotations

from collections import defaultdict

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS

from kg.namespaces import BASE, ECO, ONTOLOGY_IRI
from kg.rdfio import parse_file
from kg.settings import Settings

SETTINGS = Settings()
VOCABULARY = Graph()
for _path in sorted(SETTINGS.ontology_dir.glob("*.ttl")):
    if _path.name != "shapes.ttl":
        parse_file(_path, VOCABULARY)
SCHEMES = sorted(VOCABULARY.subjects(RDF.type, SKOS.ConceptScheme))


def concepts() -> set:
    return {c for c in VOCABULARY.subjects(SKOS.inScheme, None)}


def broader_closure(concept) -> set:
    return set(VOCABULARY.transitive_objects(concept, SKOS.broader)) - {concept}


def test_there_are_three_concept_schemes():
    assert {str(s).rsplit("/", 2)[-2] for s in SCHEMES} == {"domain", "modality", "qualifier"}


def test_no_concept_is_both_broader_and_related():
    # qSKOS "Disjoint Labels"/"Relation Clashes": skos:related is disjoint with skos:broaderTransitive
    clashes = [(a, b) for a, b in VOCABULARY.subject_objects(SKOS.related)
               if b in broader_closure(a) or a in broader_closure(b)]
    assert clashes == []


def test_a_clash_would_be_found():
    clash = Graph()
    clash += VOCABULARY
    concept = next(iter(VOCABULARY.subjects(SKOS.broader, None)))
    parent = VOCABULARY.value(concept, SKOS.broader)
    clash.add((concept, SKOS.related, parent))
    assert any(b in set(clash.transitive_objects(a, SKOS.broader)) - {a}
               for a, b in clash.subject_objects(SKOS.related))


def test_no_broader_cycles():
    assert [c for c in concepts() if c in broader_closure(c)] == []


def test_one_pref_label_per_language_and_no_label_shared_within_a_scheme():
    for concept in concepts():
        languages = [label.language for label in VOCABULARY.objects(concept, SKOS.prefLabel)]
        assert languages and len(languages) == len(set(languages)), concept
    for scheme in SCHEMES:
        seen = defaultdict(list)
        for concept in VOCABULARY.subjects(SKOS.inScheme, scheme):
            for label in VOCABULARY.objects(concept, SKOS.prefLabel):
                seen[(str(label), label.language)].append(concept)
        assert {k: v for k, v in seen.items() if len(v) > 1} == {}


def test_every_concept_is_in_a_scheme_and_reachable_from_a_top_concept():
    for concept in concepts():
        tops = {concept} | broader_closure(concept)
        assert any((t, SKOS.topConceptOf, None) in VOCABULARY for t in tops), concept


def test_every_term_is_defined_by_its_vocabulary():
    terms = {s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
             for s in VOCABULARY.subjects(RDF.type, kind) if isinstance(s, URIRef)}
    missing = sorted(t for t in terms if VOCABULARY.value(t, RDFS.isDefinedBy) is None)
    assert missing == []
    for term in terms:
        if str(term).startswith(str(ECO)):
            assert VOCABULARY.value(term, RDFS.isDefinedBy) == URIRef(ONTOLOGY_IRI), term


def test_labels_are_unique():
    seen = defaultdict(set)
    for term, label in VOCABULARY.subject_objects(RDFS.label):
        if isinstance(term, URIRef):
            seen[(str(label), label.language)].add(term)
    assert {k: sorted(v) for k, v in seen.items() if len(v) > 1} == {}


def test_creator_and_publisher_are_agents():
    ontology = URIRef(ONTOLOGY_IRI)
    for prop in (DCTERMS.creator, DCTERMS.publisher):
        agent = VOCABULARY.value(ontology, prop)
        assert isinstance(agent, URIRef) and str(agent).startswith(BASE), prop
        assert VOCABULARY.value(agent, FOAF.name) is not None
        assert set(VOCABULARY.objects(agent, RDF.type)) & {FOAF.Agent, FOAF.Organization}


#: what the owners of reused vocabularies state about their terms, as far as this ontology repeats it
OWNERS_AXIOMS = {
    "http://www.w3.org/ns/org#": {
        ("memberOf", RDFS.domain, FOAF.Agent), ("memberOf", RDFS.range, "Organization"),
        ("hasMember", OWL.inverseOf, "memberOf"), ("member", RDFS.domain, "Membership"),
        ("member", RDFS.range, FOAF.Agent), ("organization", RDFS.domain, "Membership"),
        ("organization", RDFS.range, "Organization"), ("role", RDFS.domain, "Membership"),
        ("role", RDFS.range, "Role"), ("purpose", RDFS.domain, "Organization"), ("purpose", RDFS.range, SKOS.Concept),
        ("FormalOrganization", RDFS.subClassOf, "Organization"),
    },
    "http://www.w3.org/ns/oa#": {
        ("hasBody", RDFS.domain, "Annotation"), ("hasTarget", RDFS.domain, "Annotation"),
        ("hasSource", RDFS.domain, "SpecificResource"), ("motivatedBy", RDFS.domain, "Annotation"),
        ("motivatedBy", RDFS.range, "Motivation"), ("start", RDFS.range, URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")),
        ("end", RDFS.range, URIRef("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")),
    },
    "http://www.w3.org/2004/02/skos/core#": {
        ("inScheme", RDFS.range, "ConceptScheme"), ("topConceptOf", RDFS.domain, "Concept"),
        ("topConceptOf", RDFS.range, "ConceptScheme"), ("topConceptOf", RDFS.subPropertyOf, "inScheme"),
        ("hasTopConcept", RDFS.domain, "ConceptScheme"), ("hasTopConcept", RDFS.range, "Concept"),
        ("hasTopConcept", OWL.inverseOf, "topConceptOf"), ("semanticRelation", RDFS.domain, "Concept"),
        ("semanticRelation", RDFS.range, "Concept"), ("broaderTransitive", RDFS.subPropertyOf, "semanticRelation"),
        ("narrowerTransitive", RDFS.subPropertyOf, "semanticRelation"),
        ("broaderTransitive", OWL.inverseOf, "narrowerTransitive"), ("broader", RDFS.subPropertyOf, "broaderTransitive"),
        ("narrower", RDFS.subPropertyOf, "narrowerTransitive"), ("narrower", OWL.inverseOf, "broader"),
        ("related", RDFS.subPropertyOf, "semanticRelation"),
    },
}
AXIOM_PREDICATES = (RDFS.domain, RDFS.range, RDFS.subClassOf, RDFS.subPropertyOf, OWL.inverseOf)


@pytest.mark.parametrize("namespace", sorted(OWNERS_AXIOMS))
def test_no_axiom_on_a_reused_term_that_its_owner_does_not_state(namespace):
    def expand(term):
        return term if isinstance(term, URIRef) else URIRef(namespace + term)

    stated = {(expand(s), p, expand(o)) for s, p, o in OWNERS_AXIOMS[namespace]}
    ours = {(s, p, o) for p in AXIOM_PREDICATES for s, o in VOCABULARY.subject_objects(p)
            if str(s).startswith(namespace)}
    assert sorted(ours - stated) == []
