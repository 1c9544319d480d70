"""Plain triples between entities only where the text states a fact, each backed by its factual statement."""
from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from kg.build import assert_facts
from kg.namespaces import CLAIM, ECO, ENTITIES_GRAPH, ID, ORG, source_graph

SOURCE_GRAPH = source_graph("iran-pakistan-eco-security-interview")
#: the things in the world, as opposed to claims, their parts, evidence and concepts
ENTITY_CLASSES = (ECO.Actor, ECO.Place, ECO.Corridor, ECO.Measure, ECO.Obstacle, ECO.Principle)


def entities(dataset) -> set:
    return {s for cls in ENTITY_CLASSES for s in dataset.subjects(RDF.type, cls)}


def supported_triples(dataset) -> set:
    supported = set()
    for claim in dataset.subjects(RDF.type, ECO.FactualStatement):
        for fact in dataset.objects(claim, ECO.assertsFact):
            supported.add((dataset.value(fact, ECO.factSubject), dataset.value(fact, ECO.factPredicate),
                           dataset.value(fact, ECO.factObject)))
    return supported


def unsupported_entity_triples(graph: Graph, dataset) -> list:
    known = entities(dataset)
    supported = supported_triples(dataset)
    return sorted((s, p, o) for s, p, o in graph
                  if s in known and o in known and p != RDF.type and (s, p, o) not in supported)


@pytest.mark.slow
def test_every_entity_to_entity_triple_of_the_source_graph_is_a_stated_fact(dataset):
    source = dataset.graph(SOURCE_GRAPH)
    assert unsupported_entity_triples(source, dataset) == []
    plain = [(s, p, o) for s, p, o in source if s in entities(dataset) and o in entities(dataset) and p != RDF.type]
    # defence relationships (2), electricity cooperation (1), border markets, road links and joint steps undertaken
    # by Pakistan and Iran (6); "created as" points at a concept, the negative fact is an owl:NegativePropertyAssertion
    assert len(plain) == 9


def test_a_position_written_as_a_plain_triple_is_caught(dataset):
    source = Graph()
    for triple in dataset.graph(SOURCE_GRAPH):
        source.add(triple)
    source.add((ID.GulfInvestmentOutreach, ECO.undertakenBy, ID.Pakistan))  # only proposed in the text
    assert unsupported_entity_triples(source, dataset) == [(ID.GulfInvestmentOutreach, ECO.undertakenBy, ID.Pakistan)]


def test_the_entities_register_relates_entities_only_where_their_names_say_so(dataset):
    predicates = {p for s, p, o in unsupported_entity_triples(dataset.graph(ENTITIES_GRAPH), dataset)}
    # "Iranian ports", "western China"; "a Pakistani official" acts for Pakistan
    assert predicates <= {ECO.locatedIn, PROV.actedOnBehalfOf}


def test_proposals_stay_inside_their_claims(dataset):
    assert (ID.GulfInvestmentOutreach, ECO.undertakenBy, ID.Pakistan) not in dataset
    assert not set(dataset.triples((None, ECO.underFramework, None)))
    assert not set(dataset.triples((ID.IranPakistanGasPipeline, ECO.passesThrough, None)))
    assert not set(dataset.triples((ID.ChinaPakistanEconomicCorridor, ECO.connects, None)))


def test_each_fact_links_to_the_claim_with_its_words(dataset):
    fact = ID["fact/Pakistan-hasDefenceRelationshipWith-Iran"]
    claim = CLAIM["fact-pakistan-iran-defence-relationship"]
    assert (claim, ECO.assertsFact, fact) in dataset
    assert (ID.Pakistan, ECO.hasDefenceRelationshipWith, ID.Iran) in dataset
    assert dataset.value(claim, ECO.hasEvidence) is not None


def test_a_negated_fact_is_not_asserted_and_is_not_existing(dataset):
    claim = CLAIM["fact-gulf-arab-states-not-eco-members"]
    assert (ID.PersianGulfArabStates, ORG.memberOf, ID.ECO) not in dataset
    assert dataset.value(claim, ECO.modality) == ID["modality/NotTheCase"]


def test_fact_names_are_stable_and_readable():
    graph = Graph()
    graph.parse(data="""
        @prefix eco: <https://w3id.org/eco-kg/ontology/> . @prefix ecoid: <https://w3id.org/eco-kg/id/> .
        <https://w3id.org/eco-kg/id/claim/x> a eco:FactualStatement ;
            eco:assertsFact [ eco:factSubject ecoid:A ; eco:factPredicate eco:cooperatesWith ; eco:factObject ecoid:B ] .
    """, format="turtle")
    assert_facts(graph)
    assert (ID.A, ECO.cooperatesWith, ID.B) in graph
    assert set(graph.objects(ID["claim/x"], ECO.assertsFact)) == {URIRef(ID + "fact/A-cooperatesWith-B")}


def test_one_claim_per_assessment(dataset):
    # "Iran’s search for greater “eastern strategic depth” coincides with Pakistan’s own shift towards a
    #  geo-economic outlook." holds two stances; the conditions of paragraph 20 are one.
    assert (CLAIM["pk-iran-seeks-eastern-strategic-depth"], RDF.type, ECO.Stance) in dataset
    assert (CLAIM["pk-shift-to-geoeconomic-outlook"], RDF.type, ECO.Stance) in dataset
    joined = CLAIM["pk-efforts-consistent-with-law-and-coordinated"]
    assert (joined, ECO.forum, ID.ECO) in dataset
    assert len(set(dataset.objects(joined, ECO.invokesPrinciple))) == 2
    # the overview sentence names no obstacle
    assert not set(dataset.objects(CLAIM["pk-factors-shape-security-cooperation"], ECO.identifiesObstacle))


def test_nested_mentions_are_marked(dataset):
    from kg.namespaces import OA

    nested = set(dataset.subjects(ECO.nestedIn, None))
    assert nested
    gulf_inside_group = [m for m in nested if (m, OA.hasBody, ID.PersianGulf) in dataset
                         and (dataset.value(m, ECO.nestedIn), OA.hasBody, ID.PersianGulfArabStates) in dataset]
    assert gulf_inside_group


LINKING_ACTORS = """
PREFIX eco: <https://w3id.org/eco-kg/ontology/> PREFIX ecoid: <https://w3id.org/eco-kg/id/>
PREFIX modality: <https://w3id.org/eco-kg/id/modality/>
SELECT ?actor WHERE {
  ?link eco:linkingActor ?actor ; eco:from ecoid:IranianPorts ; eco:to ecoid:ChinaPakistanEconomicCorridor ;
        eco:modality ?status .
  FILTER(?status IN (STATUSES))
}"""


def test_a_query_on_roles_cannot_read_a_proposed_link_as_one_that_exists(dataset):
    # "Pakistan can help tie Iranian ports and special economic zones to CPEC routes": offered, not done
    def actors(statuses):
        return {str(row.actor) for row in dataset.query(LINKING_ACTORS.replace("STATUSES", statuses))}

    assert actors("modality:Existing, modality:Observed") == set()
    assert actors("modality:Offered") == {str(ID.Pakistan)}


def test_every_linkage_carries_the_modality_of_the_claim_that_states_it(dataset):
    linkages = set(dataset.subjects(RDF.type, ECO.Linkage))
    assert len(linkages) == 8
    for link in linkages:
        claims = set(dataset.subjects(ECO.statesLinkage, link))
        assert claims and {dataset.value(c, ECO.modality) for c in claims} == set(dataset.objects(link, ECO.modality)), link


# ---------------------------------------------------------------------------------------------
# The interview's claims under the README's definitions: roles, kinds, evidence and labels the words give
# ---------------------------------------------------------------------------------------------
def _text(settings) -> str:
    return (settings.seeds_dir / "iran-pakistan-eco-security-interview.txt").read_text(encoding="utf-8")


def _names(dataset, entity) -> set:
    from rdflib.namespace import RDFS, SKOS

    return {str(n).casefold() for p in (RDFS.label, SKOS.altLabel, ECO.surfaceForm) for n in dataset.objects(entity, p)}


def test_what_a_link_runs_through_or_via_is_its_via(dataset):
    import re

    checked = 0
    for claim, quote in dataset.subject_objects(ECO.quote):
        for match in re.finditer(r"\b(?:via|through),?\s+([^,.]+)", str(quote)):
            found = {e: max((n for n in _names(dataset, e) if n in match.group(1).casefold()), key=len, default=None)
                     for e in entities(dataset)}
            found = {e: n for e, n in found.items() if n}
            # the longest name wins: "Pakistan’s ports" names the ports, not Pakistan
            named = {e for e, n in found.items() if not any(n != m and n in m for m in found.values())}
            if not named:
                continue  # "through energy flows" names corridors; "through Turkey" a state: both are entities
            vias = {v for link in dataset.objects(claim, ECO.statesLinkage) for v in dataset.objects(link, ECO.via)}
            assert named <= vias, (claim, match.group(0), named, vias)
            assert not named & set(dataset.objects(claim, ECO.concernsPlace)), (claim, named)
            checked += 1
    # through Turkey; via Pakistan's ports; through energy flows (trade routes, investment corridors)
    assert checked == 3


def test_the_subject_of_a_premise_is_its_subject(dataset):
    for name, subject in (("q-premise-pakistan-defence-ties", ID.Pakistan), ("q-premise-pakistan-unique-links", ID.Pakistan),
                          ("q-premise-iran-eastern-strategic-depth", ID.Iran)):
        claim = CLAIM[name]
        assert dataset.value(claim, ECO.subjectActor) == subject
        assert subject not in set(dataset.objects(claim, ECO.involves))


def test_a_view_held_by_a_party_is_its_stance(dataset):
    # "Iran’s search for greater “eastern strategic depth”": Iran's view, as the official describes it;
    # "Pakistan’s own shift towards a geo-economic outlook": Pakistan's
    for name, holder in (("pk-iran-seeks-eastern-strategic-depth", ID.Iran), ("pk-shift-to-geoeconomic-outlook", ID.Pakistan)):
        claim = CLAIM[name]
        assert set(dataset.objects(claim, RDF.type)) & {ECO.Stance, ECO.Assessment} == {ECO.Stance}
        assert dataset.value(claim, ECO.holder) == holder == dataset.value(claim, ECO.principleHolder)


def test_an_obstacles_evidence_is_the_words_that_state_it(dataset, settings):
    from kg.namespaces import OA

    text = _text(settings)
    claim = CLAIM["obstacle-eco-mandate"]
    [evidence] = dataset.objects(claim, ECO.hasEvidence)
    selector = [s for s in dataset.objects(dataset.value(evidence, OA.hasTarget), OA.hasSelector)
                if (s, RDF.type, OA.TextPositionSelector) in dataset][0]
    start, end = int(dataset.value(selector, OA.start)), int(dataset.value(selector, OA.end))
    # "Its institutions and resources reflect that mandate." alone does not say which mandate
    assert text[start:end] == ("ECO was originally created as an economic and development organisation. "
                               "Its institutions and resources reflect that mandate.")


def test_a_name_comes_from_the_text_or_a_cited_source(dataset, settings):
    from kg.namespaces import BACKGROUND_GRAPH
    from rdflib.namespace import DCTERMS, RDFS

    text = _text(settings).replace("’", "'")
    background = dataset.graph(BACKGROUND_GRAPH)
    cited = {(background.value(n, RDF.subject), str(background.value(n, RDF.object)))
             for n in background.subjects(RDF.predicate, RDFS.label) if background.value(n, DCTERMS.source) is not None}
    names = 0
    for entity in entities(dataset) | set(dataset.subjects(RDF.type, ECO.Person)):
        for label in dataset.objects(entity, RDFS.label):
            if not all(w[:1].isupper() for w in str(label).split()):
                continue  # a description ("unnamed Pakistani official", "ports of Iran"), not a name
            names += 1
            assert str(label).replace("–", "-") in text or (entity, str(label)) in cited, (entity, str(label))
    assert names >= 20
    assert {str(n) for n in dataset.objects(ID.Araghchi, RDFS.label)} == {"Araghchi"}
    assert (ID.ECO, "Economic Cooperation Organization") in cited  # the text says "ECO"
