"""The terms a data file may use: the ontology's classes and properties, and those of the reused vocabularies.

Owns `Vocabulary` (known classes, properties and datatypes by namespace, kept in the gate's schema cache),
whether a property takes a literal or an IRI, and "did you mean" for a near miss. It judges nothing itself:
the vocabulary stage (`kg.gate.vocabulary`) does.
"""
from __future__ import annotations

import difflib

from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, GEO, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, VOID, XSD

from ..namespaces import ECO, OA, VANN
from ..terms import local_name, short
from .wellformed import XSD_LEXICAL

#: reused vocabularies: prefix -> namespace; their terms come from rdflib's term lists, the
#: ontology's own declarations, and the lists below for the two rdflib does not ship
REUSED = {
    "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "skos": str(SKOS),
    "dcterms": str(DCTERMS), "prov": str(PROV), "oa": str(OA), "org": str(ORG), "geo": str(GEO),
    "foaf": str(FOAF), "schema": str(SDO), "vann": str(VANN), "void": str(VOID), "dcat": str(DCAT),
}
_OA_TERMS = (
    "Annotation AnnotationCollection AnnotationPage Choice CssSelector CssStyle DataPositionSelector "
    "Direction FragmentSelector HttpRequestState Motivation RangeSelector ResourceSelection Selector "
    "SpecificResource State Style SvgSelector TextPositionSelector TextQuoteSelector TextualBody "
    "TimeState XPathSelector annotationService bodyValue cachedSource canonical end exact hasBody "
    "hasEndSelector hasPurpose hasScope hasSelector hasSource hasStartSelector hasState hasTarget "
    "motivatedBy prefix processingLanguage refinedBy renderedVia sourceDate sourceDateEnd "
    "sourceDateStart start styleClass styledBy suffix textDirection via assessing bookmarking "
    "classifying commenting describing editing highlighting identifying linking moderating "
    "questioning replying tagging autoDirection ltrDirection rtlDirection PreferContainedDescriptions "
    "PreferContainedIRIs").split()
_VANN_TERMS = "changes example preferredNamespacePrefix preferredNamespaceUri termGroup usageNote".split()
_RDFLIB_NAMESPACES = (RDF, RDFS, OWL, XSD, SKOS, DCTERMS, PROV, FOAF, ORG, GEO, VOID, DCAT, SDO)

#: rdf:type objects that declare a class, and a property
CLASS_TYPES = {OWL.Class, RDFS.Class, RDFS.Datatype, OWL.Restriction}
PROPERTY_TYPES = {RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                  OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.TransitiveProperty,
                  OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.ReflexiveProperty,
                  OWL.IrreflexiveProperty, OWL.OntologyProperty}
#: reused properties whose values are always literals / always IRIs
_LITERAL_PROPERTIES = {RDFS.label, RDFS.comment, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel,
                       SKOS.definition, SKOS.scopeNote, SKOS.note, SKOS.example, SKOS.editorialNote,
                       SKOS.historyNote, SKOS.changeNote, SKOS.notation, DCTERMS.title, DCTERMS.description,
                       DCTERMS.alternative, DCTERMS.abstract, FOAF.name, SDO.alternateName, SDO.name,
                       OA.exact, OA.prefix, OA.suffix, OA.start, OA.end, OWL.versionInfo}
_IRI_PROPERTIES = {RDF.type, OWL.sameAs, OWL.differentFrom, SKOS.exactMatch, SKOS.closeMatch,
                   SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch, SKOS.inScheme, SKOS.broader,
                   SKOS.narrower, SKOS.related, RDFS.seeAlso, RDFS.isDefinedBy, OA.hasBody, OA.hasTarget,
                   OA.hasSource, OA.hasSelector, OA.motivatedBy, PROV.wasDerivedFrom, PROV.wasAttributedTo}


class Vocabulary:
    """The classes and properties a data file may use, by namespace."""

    def __init__(self, ontology: Graph):
        self.classes: set[URIRef] = set()
        self.properties: set[URIRef] = set()
        self.ontology_subjects = {s for s in ontology.subjects() if isinstance(s, URIRef)}
        self.ontology = ontology
        for namespace in _RDFLIB_NAMESPACES:
            base = str(namespace._NS) if hasattr(namespace, "_NS") else str(namespace)
            for term in dir(namespace):
                term = URIRef(term) if isinstance(term, URIRef) else URIRef(base + str(term))
                local = str(term)[len(base):]
                if not local or local.startswith("_"):
                    continue
                (self.classes if local[:1].isupper() else self.properties).add(term)
        for local in _OA_TERMS:
            target = self.classes if local[:1].isupper() else self.properties
            if local in {"describing", "identifying", "assessing", "bookmarking", "classifying", "commenting",
                         "editing", "highlighting", "linking", "moderating", "questioning", "replying",
                         "tagging", "autoDirection", "ltrDirection", "rtlDirection"}:
                continue  # individuals, not terms
            target.add(OA[local])
        self.properties.update(VANN[local] for local in _VANN_TERMS)
        self.properties.update({RDF.type, RDF.first, RDF.rest, RDF.value})
        for s, o in ontology.subject_objects(RDF.type):
            if isinstance(s, URIRef):
                if o in CLASS_TYPES:
                    self.classes.add(s)
                    self.properties.discard(s)
                elif o in PROPERTY_TYPES:
                    self.properties.add(s)
                    self.classes.discard(s)
        for s in ontology.subjects(RDFS.label, None):  # terms the ontology labels (owl:sameAs …)
            if isinstance(s, URIRef) and s not in self.classes and any(str(s).startswith(n) for n in REUSED.values()):
                (self.classes if local_name(s)[:1].isupper() else self.properties).add(s)
        self.datatypes = {t for t in self.classes if str(t).startswith(str(XSD))} | {
            RDF.langString, RDF.HTML, RDF.XMLLiteral, RDF.JSON, RDF.PlainLiteral, RDFS.Literal, GEO.wktLiteral,
            GEO.gmlLiteral, XSD.string}
        self.datatypes |= {XSD[name] for name in XSD_LEXICAL} | {XSD.string, XSD.normalizedString, XSD.token,
                                                              XSD.language, XSD.Name, XSD.NCName, XSD.NMTOKEN}

    def namespace_of(self, iri: str) -> tuple[str, str] | None:
        """(prefix, namespace) of a project or reused vocabulary that ``iri`` is in."""
        if iri.startswith(str(ECO)):
            return "eco", str(ECO)
        best = None
        for prefix, namespace in REUSED.items():
            if iri.startswith(namespace) and (best is None or len(namespace) > len(best[1])):
                best = (prefix, namespace)
        return best

    def suggest(self, iri: URIRef, kind: str) -> str | None:
        pool = self.classes if kind == "class" else self.properties
        where = self.namespace_of(str(iri))
        text = str(iri)
        if where:
            candidates = {str(t)[len(where[1]):]: t for t in pool if str(t).startswith(where[1])}
            local = text[len(where[1]):]
        else:
            candidates = {}
            for t in pool:
                candidates.setdefault(local_name(t), t)
            local = local_name(iri)
        match = difflib.get_close_matches(local, list(candidates), n=1, cutoff=0.6)
        if not match:
            lowered = {c.lower(): c for c in candidates}
            if local.lower() in lowered:
                match = [lowered[local.lower()]]
        return short(candidates[match[0]]) if match else None

    def property_expects(self, prop: URIRef) -> str | None:
        """"literal", "iri" or None (either) for the values of ``prop``."""
        if prop in _LITERAL_PROPERTIES:
            return "literal"
        if prop in _IRI_PROPERTIES:
            return "iri"
        types = set(self.ontology.objects(prop, RDF.type))
        if OWL.DatatypeProperty in types:
            return "literal"
        if OWL.ObjectProperty in types:
            return "iri"
        for rng in self.ontology.objects(prop, RDFS.range):
            if rng in self.datatypes or str(rng).startswith(str(XSD)):
                return "literal"
        return None


__all__ = ["CLASS_TYPES", "PROPERTY_TYPES", "REUSED", "Vocabulary"]
