"""The ontology carries what publishers check: metadata, labels, definitions, domains, ranges, disjointness."""
from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from kg.namespaces import DOMAIN, ECO, MODALITY, ONTOLOGY_IRI, VANN
from kg.rdfio import parse_file
from kg.settings import Settings

SETTINGS = Settings()
ONTOLOGY = parse_file(SETTINGS.ontology_dir / "eco.ttl")
ONT = URIRef(ONTOLOGY_IRI)


def own_terms(kind) -> list[URIRef]:
    return sorted(s for s in ONTOLOGY.subjects(RDF.type, kind) if str(s).startswith(str(ECO)))


def test_ontology_metadata():
    assert (ONT, RDF.type, OWL.Ontology) in ONTOLOGY
    assert not ONTOLOGY_IRI.endswith((".ttl", ".owl", ".rdf"))
    for prop in (OWL.versionIRI, OWL.versionInfo, DCTERMS.title, DCTERMS.description, DCTERMS.license,
                 DCTERMS.creator, DCTERMS.created, VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri):
        assert ONTOLOGY.value(ONT, prop) is not None, prop
    assert str(ONTOLOGY.value(ONT, VANN.preferredNamespaceUri)) == str(ECO)


def test_every_term_has_a_label_and_a_definition():
    terms = own_terms(OWL.Class) + own_terms(OWL.ObjectProperty) + own_terms(OWL.DatatypeProperty) + own_terms(OWL.AnnotationProperty)
    assert len(terms) > 80
    missing = [str(t) for t in terms
               if ONTOLOGY.value(t, RDFS.label) is None or ONTOLOGY.value(t, SKOS.definition) is None]
    assert missing == []


def test_every_property_has_domain_and_range():
    props = own_terms(OWL.ObjectProperty) + own_terms(OWL.DatatypeProperty)
    missing = [str(p) for p in props if ONTOLOGY.value(p, RDFS.domain) is None or ONTOLOGY.value(p, RDFS.range) is None]
    assert missing == []


def test_top_classes_are_pairwise_disjoint():
    tops = {ECO.Actor, ECO.Place, ECO.Corridor, ECO.Claim, ECO.Obstacle, ECO.Measure, ECO.Principle,
            ECO.SourceDocument, ECO.TextSegment, ECO.CooperationDomain}
    disjoint_sets = [set(Collection(ONTOLOGY, ONTOLOGY.value(axiom, OWL.members)))
                     for axiom in ONTOLOGY.subjects(RDF.type, OWL.AllDisjointClasses)]
    assert any(tops <= members for members in disjoint_sets)
    assert any({ECO.State, ECO.Organisation, ECO.Person, ECO.StateGroup} <= m for m in disjoint_sets)
    assert any({ECO.Proposal, ECO.Stance, ECO.Assessment, ECO.ReportedStatement, ECO.FactualStatement} <= m
               for m in disjoint_sets)


def test_required_classes_exist():
    required = ["State", "IntergovernmentalOrganisation", "RegionalOrganisation", "Person", "Role", "StateGroup",
                "Region", "Sea", "Port", "SpecialEconomicZone", "EconomicCorridor", "TransportCorridor",
                "EnergyCorridor", "Pipeline", "ElectricityInterconnection", "TradeRoute", "InvestmentCorridor",
                "CooperationDomain", "Proposal", "Stance", "Assessment", "ReportedStatement", "FactualStatement",
                "ExternalObstacle", "InternalObstacle", "Measure", "ThematicWorkingGroup", "BorderMarket",
                "CustomsMeasure", "TransitSystem", "Principle", "SourceDocument", "Question", "Answer"]
    assert [c for c in required if (ECO[c], RDF.type, OWL.Class) not in ONTOLOGY] == []


def test_reused_vocabularies_are_not_redefined():
    # declarations of reused terms are allowed; minting new terms in their namespaces is not
    foreign = [s for s in ONTOLOGY.subjects(RDF.type, OWL.Class)
               if isinstance(s, URIRef) and not str(s).startswith(str(ECO))]
    for term in foreign:
        assert ONTOLOGY.value(term, RDFS.isDefinedBy) is not None, term


def test_domain_scheme_has_security_and_economic_branches():
    domains = Graph()
    parse_file(SETTINGS.ontology_dir / "domains.ttl", domains)
    tops = set(domains.objects(DOMAIN.scheme, SKOS.hasTopConcept))
    assert tops == {DOMAIN.Security, DOMAIN.EconomicConnectivity}
    security = {s for s in domains.subjects(SKOS.broader, DOMAIN.Security)}
    assert {DOMAIN.BorderManagement, DOMAIN.CounterNarcotics, DOMAIN.CyberIssues, DOMAIN.MaritimeSafety,
            DOMAIN.DisasterResponse, DOMAIN.TradeCorridorProtection} <= security
    economic = {s for s in domains.subjects(SKOS.broader, DOMAIN.EconomicConnectivity)}
    assert {DOMAIN.Trade, DOMAIN.Energy, DOMAIN.Transport, DOMAIN.Logistics, DOMAIN.CustomsDigitalisation,
            DOMAIN.TransitAgreements, DOMAIN.Standards, DOMAIN.ECommerce, DOMAIN.PublicPrivatePartnership} <= economic
    # the near-synonyms the text uses in two places are linked, by skos:broader only (not also skos:related)
    assert (DOMAIN.CyberHygiene, SKOS.broader, DOMAIN.CyberIssues) in domains
    assert (DOMAIN.DisasterRelief, SKOS.broader, DOMAIN.DisasterResponse) in domains
    assert (DOMAIN.DisasterRelief, SKOS.related, DOMAIN.DisasterResponse) not in domains


def test_modality_scheme_covers_existing_proposed_and_discussed():
    modalities = parse_file(SETTINGS.ontology_dir / "modalities.ttl")
    for concept in (MODALITY.Existing, MODALITY.Proposed, MODALITY.UnderDiscussion, MODALITY.Constraining):
        assert (concept, RDF.type, ECO.Modality) in modalities


# ---------------------------------------------------------------------------------------- claim kinds

def test_claim_kinds_are_the_subclasses_of_claim_in_the_order_of_their_disjointness_axiom():
    from kg.ontology import claim_kinds

    kinds = claim_kinds()
    assert [(kind.iri, kind.label) for kind in kinds] == [
        (ECO.Proposal, "proposal"), (ECO.Stance, "stance"), (ECO.Assessment, "assessment"),
        (ECO.ReportedStatement, "reported statement"), (ECO.FactualStatement, "factual statement")]
    assert all(kind.definition for kind in kinds)
    assert claim_kinds(ONTOLOGY) == kinds  # the same read from a graph as from the ontology folder


def test_a_kind_added_to_the_ontology_is_a_claim_kind_without_a_code_change():
    from kg.ontology import claim_kinds

    extended = Graph()
    for triple in ONTOLOGY:
        extended.add(triple)
    extended.add((ECO.Demand, RDFS.subClassOf, ECO.Claim))
    assert [kind.iri for kind in claim_kinds(extended)][-1] == ECO.Demand
    assert claim_kinds(extended)[-1].label == "Demand"  # no rdfs:label: its local name


def test_no_library_module_lists_the_claim_kinds_itself():
    """A list of the kinds in code goes stale when the ontology changes: `kg.ontology.claim_kinds` reads them."""
    import re
    from pathlib import Path

    from kg.ontology import claim_kinds

    names = [str(kind.iri)[len(str(ECO)):] for kind in claim_kinds()]
    restating = []
    for path in sorted((Path(__file__).resolve().parent.parent / "kg").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        named = {name for name in names if re.search(rf"\bECO\.{name}\b|\beco:{name}\b|\{{ECO\}}{name}\b", text)}
        if len(named) > 1:
            restating.append(f"{path.name}: {sorted(named)}")
    assert restating == []
