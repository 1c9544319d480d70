"""Stage 3, vocabulary: the change speaks the project's language and stays in its own namespace.

Owns the rules on terms and names: every class and property exists in the ontology or in a
declared reused vocabulary (with "did you mean" for near misses); no terms coined in another
vocabulary's namespace; no ontology (TBox) edits in data files; IRIs absolute, http(s), without
spaces; no control characters in literals (also when escaped); new subjects under https://w3id.org/eco-kg/; typed entities named by IRIs, not blank
nodes; literals well-formed for their datatype; language tags well-formed (BCP 47); a literal
where the ontology expects one and an IRI where it expects an IRI; Wikidata IRIs in entity form.
It does not check shapes or consistency (`kg.gate.shacl`, `kg.gate.owl`).
"""
from __future__ import annotations

import datetime as _dt
import difflib
import re
from urllib.parse import urlsplit

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import (DCAT, DCTERMS, FOAF, GEO, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, VOID, XSD)

from ..namespaces import BASE, ECO, ID, OA, VANN
from ..terms import local_name, short
from .bytes import _CONTROL, control_name
from .context import Base, Change
from .report import Problem
from .syntax import SENTINEL_BASE

STAGE = "vocabulary"

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

_CLASS_TYPES = {OWL.Class, RDFS.Class, RDFS.Datatype, OWL.Restriction}
_PROPERTY_TYPES = {RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                   OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.TransitiveProperty,
                   OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.ReflexiveProperty,
                   OWL.IrreflexiveProperty, OWL.OntologyProperty}
#: triples with these predicates are ontology axioms, not data
_TBOX_PREDICATES = {
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
    OWL.equivalentProperty, OWL.disjointWith, OWL.inverseOf, OWL.propertyDisjointWith,
    OWL.propertyChainAxiom, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue,
    OWL.cardinality, OWL.minCardinality, OWL.maxCardinality, OWL.qualifiedCardinality,
    OWL.minQualifiedCardinality, OWL.maxQualifiedCardinality, OWL.unionOf, OWL.intersectionOf,
    OWL.complementOf, OWL.oneOf, OWL.disjointUnionOf, OWL.hasKey, OWL.imports, OWL.onClass,
    OWL.hasSelf, OWL.onDatatype, OWL.withRestrictions,
}
#: rdf:type objects that declare ontology terms
_TBOX_TYPES = (_CLASS_TYPES | _PROPERTY_TYPES | {OWL.AllDisjointClasses, OWL.AllDisjointProperties, OWL.Ontology})
#: classes a blank node may have (parts of a description, not entities)
_STRUCTURAL_CLASSES = {OA.TextQuoteSelector, OA.TextPositionSelector, OA.SpecificResource,
                       OWL.NegativePropertyAssertion, OWL.AllDifferent, OWL.Axiom, OWL.Annotation, RDF.List,
                       RDF.Statement}
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
_WIKIDATA_LINK_PROPERTIES = {OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch,
                             SKOS.narrowMatch, SKOS.relatedMatch}
WIKIDATA_ENTITY = re.compile(r"^http://www\.wikidata\.org/entity/Q[1-9][0-9]*$")
_WIKIDATA_ANY = re.compile(r"^[a-z]+://(?:[\w-]+\.)*wikidata\.org(?:/|$)", re.IGNORECASE)

# ------------------------------------------------------------------------------------------------
# BCP 47 (RFC 5646) well-formedness
# ------------------------------------------------------------------------------------------------
# the primary language is an ISO 639 code (2 or 3 letters): the 4- and 5-8-letter forms RFC 5646's grammar
# allows are reserved and unregistered, so "@english-united-kingdom" is a name written where a code belongs
_LANGUAGE = r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3})"
_LANGTAG = (rf"{_LANGUAGE}(?:-[a-z]{{4}})?(?:-(?:[a-z]{{2}}|\d{{3}}))?(?:-(?:[a-z\d]{{5,8}}|\d[a-z\d]{{3}}))*"
            r"(?:-[0-9a-wy-z](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?")
_BCP47 = re.compile(rf"^(?:{_LANGTAG}|x(?:-[a-z\d]{{1,8}})+|i-[a-z]{{3,8}}|en-gb-oed|sgn-[a-z]{{2}}-[a-z]{{2,3}})$",
                    re.IGNORECASE)


def well_formed_language_tag(tag: str) -> bool:
    return bool(_BCP47.match(tag))


def language_tag_problem(tag: str) -> str | None:
    """Why ``tag`` is not a usable BCP 47 language tag (None when it is)."""
    if well_formed_language_tag(tag):
        return None
    primary = tag.split("-", 1)[0]
    if primary.isalpha() and len(primary) > 3 and primary.lower() not in ("x", "i"):
        return (f"language tag @{tag} is not well-formed: its language {primary!r} is not a 2- or 3-letter "
                "ISO 639 code")
    return f"language tag @{tag} is not well-formed (BCP 47)"


# ------------------------------------------------------------------------------------------------
# Invisible characters
# ------------------------------------------------------------------------------------------------
#: format (Cf) characters that render as nothing: a label with one looks like another but differs.
#: ZWNJ and ZWJ (U+200C, U+200D) are allowed in literals: Persian and Urdu spelling needs them.
_INVISIBLE_ALLOWED_IN_TEXT = {"\u200c", "\u200d"}


#: Unicode's format characters (category Cf) and the Hangul fillers, as a character class
_INVISIBLE = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u180e"
                        "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
                        "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                        "\U000e0001\U000e0020-\U000e007f]")


#: a control or invisible character: most literals have none, and are checked for both in one search
_SUSPECT = re.compile(_CONTROL.pattern + "|" + _INVISIBLE.pattern)


def invisible_characters(text: str, *, allowed=frozenset()) -> list[str]:
    """The invisible format characters in ``text`` (U+200B ZERO WIDTH SPACE, U+FEFF, bidi controls …)."""
    return [c for c in _INVISIBLE.findall(text) if c not in allowed]


def describe_character(char: str) -> str:
    import unicodedata

    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed character')})"


# ------------------------------------------------------------------------------------------------
# XSD lexical forms
# ------------------------------------------------------------------------------------------------
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_LEXICAL = {
    "integer": r"[+-]?\d+", "int": r"[+-]?\d+", "long": r"[+-]?\d+", "short": r"[+-]?\d+", "byte": r"[+-]?\d+",
    "nonNegativeInteger": r"\+?\d+|-0+", "positiveInteger": r"\+?0*[1-9]\d*",
    "negativeInteger": r"-0*[1-9]\d*", "nonPositiveInteger": r"-\d+|\+?0+",
    "unsignedLong": r"\+?\d+", "unsignedInt": r"\+?\d+", "unsignedShort": r"\+?\d+", "unsignedByte": r"\+?\d+",
    "decimal": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)",
    "double": r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN",
    "float": r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|INF)|NaN",
    "boolean": r"true|false|1|0",
    "date": rf"-?\d{{4,}}-\d{{2}}-\d{{2}}{_TZ}",
    "dateTime": rf"-?\d{{4,}}-\d{{2}}-\d{{2}}T(?:[01]\d|2[0-4]):[0-5]\d:[0-5]\d(?:\.\d+)?{_TZ}",
    "dateTimeStamp": r"-?\d{4,}-\d{2}-\d{2}T(?:[01]\d|2[0-4]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})",
    "time": rf"(?:[01]\d|2[0-4]):[0-5]\d:[0-5]\d(?:\.\d+)?{_TZ}",
    "gYear": rf"-?(?:[1-9]\d{{4,}}|\d{{4}}){_TZ}",
    "gYearMonth": rf"-?\d{{4,}}-(?:0[1-9]|1[0-2]){_TZ}",
    "gMonth": rf"--(?:0[1-9]|1[0-2]){_TZ}",
    "gDay": rf"---(?:0[1-9]|[12]\d|3[01]){_TZ}",
    "gMonthDay": rf"--(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]){_TZ}",
    "duration": r"-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?",
    "anyURI": r"[^\s]*",
    "hexBinary": r"(?:[0-9a-fA-F]{2})*",
    "base64Binary": r"[A-Za-z0-9+/=\s]*",
}
_RANGES = {"int": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1), "short": (-2**15, 2**15 - 1),
           "byte": (-128, 127), "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
           "unsignedShort": (0, 65535), "unsignedByte": (0, 255)}
_EXAMPLES = {"gYear": '"2024"^^xsd:gYear', "date": '"2024-05-01"^^xsd:date', "integer": '"42"^^xsd:integer',
             "nonNegativeInteger": '"0"^^xsd:nonNegativeInteger', "boolean": '"true"^^xsd:boolean',
             "dateTime": '"2024-05-01T12:00:00Z"^^xsd:dateTime', "decimal": '"3.14"^^xsd:decimal',
             "gYearMonth": '"2024-05"^^xsd:gYearMonth'}


_LEXICAL_RE = {name: re.compile(pattern) for name, pattern in _LEXICAL.items()}
_XSD = str(XSD)


def lexical_problem(literal: Literal) -> str | None:
    """Why ``literal`` is not a valid value of its XSD datatype (None when it is, or is not XSD)."""
    datatype = literal.datatype
    if datatype is None or not datatype.startswith(_XSD):
        return "not a value of its datatype" if getattr(literal, "ill_typed", False) else None
    name = datatype[len(_XSD):]
    found = xsd_lexical_problem(name, str(literal))
    # rdflib's own reading decides only where the gate knows no lexical rule: it rejects valid forms
    # Python cannot represent (a negative xsd:gYear)
    if found is None and name not in _LEXICAL_RE and getattr(literal, "ill_typed", False):
        return f"not a valid xsd:{name}"
    return found


def xsd_lexical_problem(name: str, text: str) -> str | None:
    """Why ``text`` is not a valid lexical form of the XSD datatype ``name`` (None when it is, or unknown)."""
    if name == "language":
        return None if well_formed_language_tag(text) else "not a well-formed language tag"
    pattern = _LEXICAL_RE.get(name)
    if pattern is not None:
        stripped = text if name in ("string", "anyURI") else text.strip()
        if not pattern.fullmatch(stripped):
            return f"not a valid xsd:{name}"
        if name in _RANGES:
            low, high = _RANGES[name]
            if not low <= int(stripped) <= high:
                return f"out of range for xsd:{name}"
        if name in ("date", "dateTime", "dateTimeStamp") and re.match(r"\d{4}-", stripped):
            try:
                _dt.date(int(stripped[0:4]), int(stripped[5:7]), int(stripped[8:10]))
            except ValueError:
                return f"not a real calendar date for xsd:{name}"
    return None


#: pyoxigraph format names of the serialisations `literal_flood` reads
_FLOOD_FORMATS = {"turtle": "TURTLE", "trig": "TRIG", "nt": "N_TRIPLES", "nquads": "N_QUADS"}


def literal_flood(text: str, fmt: str, file_name: str, limit: int) -> list[Problem] | None:
    """Problems for a file holding more than ``limit`` ill-typed XSD literals, found without building an
    rdflib graph (which takes tens of seconds for a few hundred thousand literals); None otherwise.

    One problem gives the count, then the first literals are listed by value (without a line: locating
    each would cost as much as the parse this avoids), ``limit`` problems in all.
    """
    if fmt not in _FLOOD_FORMATS:
        return None
    try:
        import pyoxigraph as ox
    except ImportError:  # e.g. no memory left under a tight cap to map it: the stages report that limit
        return None

    try:
        quads = ox.parse(text.encode("utf-8"), format=getattr(ox.RdfFormat, _FLOOD_FORMATS[fmt]),
                         base_iri=SENTINEL_BASE)
        listed: list[Problem] = []
        count = 0
        for quad in quads:
            term = quad.object
            if not isinstance(term, ox.Literal) or term.language:
                continue
            datatype = term.datatype.value
            if not datatype.startswith(_XSD) or datatype == _XSD + "string":
                continue
            why = xsd_lexical_problem(datatype[len(_XSD):], term.value)
            if why is None:
                continue
            count += 1
            if len(listed) < limit:
                listed.append(Problem(STAGE, "ill-typed-literal", f'"{term.value[:60]}" is {why}', file=file_name,
                                      value=term.value[:60], hint="write a valid value of the datatype, or use "
                                                                   "another datatype"))
    except (SyntaxError, ValueError):
        return None  # the syntax stage reports it
    if count <= limit * 10:
        return None  # few enough to be located and described one by one by the stage itself
    summary = Problem(STAGE, "ill-typed-literal-flood",
                      f"{count:,} literals are not valid values of their XSD datatype; the first of them follow, "
                      "without lines", file=file_name, value=str(count),
                      hint="fix how the file was generated: every typed literal must match its datatype")
    return [summary, *listed[:limit - 1]]


# ------------------------------------------------------------------------------------------------
# Known terms
# ------------------------------------------------------------------------------------------------

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
                if o in _CLASS_TYPES:
                    self.classes.add(s)
                    self.properties.discard(s)
                elif o in _PROPERTY_TYPES:
                    self.properties.add(s)
                    self.classes.discard(s)
        for s in ontology.subjects(RDFS.label, None):  # terms the ontology labels (owl:sameAs …)
            if isinstance(s, URIRef) and s not in self.classes and any(str(s).startswith(n) for n in REUSED.values()):
                (self.classes if str(s).rsplit("/", 1)[-1].rsplit("#", 1)[-1][:1].isupper() else self.properties).add(s)
        self.datatypes = {t for t in self.classes if str(t).startswith(str(XSD))} | {
            RDF.langString, RDF.HTML, RDF.XMLLiteral, RDF.JSON, RDF.PlainLiteral, RDFS.Literal, GEO.wktLiteral,
            GEO.gmlLiteral, XSD.string}
        self.datatypes |= {XSD[name] for name in _LEXICAL} | {XSD.string, XSD.normalizedString, XSD.token,
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
                candidates.setdefault(re.split(r"[/#]", str(t))[-1], t)
            local = re.split(r"[/#]", text)[-1]
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


# ------------------------------------------------------------------------------------------------
# IRIs
# ------------------------------------------------------------------------------------------------
_BAD_IRI_CHARS = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')


def iri_problem(iri: str) -> tuple[str, str, str] | None:
    """(rule, message, hint) when ``iri`` may not appear in the graph."""
    if iri.startswith(SENTINEL_BASE):
        written = iri[len(SENTINEL_BASE):]
        return ("relative-iri", f"relative IRI <{written}>: it would resolve against wherever the file happens to be",
                f"write the full IRI, e.g. <{BASE}id/{written.lstrip('#/')}> or use a prefix such as ecoid:")
    match = _BAD_IRI_CHARS.search(iri)
    if match:
        char = match.group()
        what = "a space" if char == " " else f"the character {char!r} {describe_character(char)}"
        return ("iri-malformed", f"IRI contains {what} at character {match.start() + 1}: <{iri}>",
                "IRIs may not contain spaces, control characters or any of < > \" { } | \\ ^ `; "
                "use - or _ or percent-encode it (a space is %20, | is %7C)")
    hidden = invisible_characters(iri)
    if hidden:
        return ("iri-malformed", f"IRI contains the invisible character {describe_character(hidden[0])} at character "
                f"{iri.index(hidden[0]) + 1}: <{iri}>", "remove it: an IRI with it looks like another but is not")
    scheme = iri.split(":", 1)[0].lower() if ":" in iri else ""
    if scheme not in ("http", "https"):
        return ("iri-scheme", f"IRI scheme {scheme + ':' if scheme else '(none)'} is not allowed: <{iri}>",
                "only http: and https: IRIs may be used (no file:, javascript:, urn:, mailto:)")
    parts = urlsplit(iri)
    if not parts.netloc or not re.fullmatch(r"[A-Za-z0-9.\-:@\[\]_~%!$&'()*+,;=]+", parts.netloc):
        return ("iri-malformed", f"IRI has no valid host: <{iri}>", "write http(s)://host/path")
    if re.search(r"%(?![0-9A-Fa-f]{2})", iri):
        return ("iri-malformed", f"IRI has a malformed percent-escape: <{iri}>", "a % must be followed by two hex digits")
    return None


def _point_at_character(problem: Problem, change: Change, iri: URIRef) -> None:
    """Put the problem's column on the offending character itself, when the IRI is written out in full."""
    text = str(iri)
    bad = _BAD_IRI_CHARS.search(text) or _INVISIBLE.search(text)
    source = change.file_of(None) if problem.file is None else next(
        (f for f in change.files if f.name == problem.file), None)
    if bad is None or source is None or problem.line is None:
        return
    problem.value = f"<{text}>"  # a prefixed form of a broken IRI would not be valid Turtle either
    column = source.column_of(problem.line, f"<{text}>")
    if column is not None:
        problem.column = column + 1 + bad.start()


def wikidata_suggestion(iri: str) -> str | None:
    match = re.search(r"(?:entity/|wiki/|Special:EntityPage/|^)(Q[1-9]\d*)\b", iri)
    return f"http://www.wikidata.org/entity/{match.group(1)}" if match else None


# ------------------------------------------------------------------------------------------------
# The stage
# ------------------------------------------------------------------------------------------------

def check_vocabulary(change: Change, base: Base) -> list[Problem]:
    vocab = base.schema.vocabulary
    graph = change.graph
    problems: list[Problem] = []
    seen: set = set()

    def report(rule, message, node=None, prop=None, value=None, hint=None):
        if rule in ("relative-iri", "iri-malformed", "iri-scheme"):
            key = (rule, message)  # one problem per broken IRI, however often it is used
        else:
            key = (rule, None if isinstance(node, BNode) else node, None if rule == "coined-term" else prop, value)
        if key in seen:
            return
        seen.add(key)
        problems.append(change.problem(STAGE, rule, message, node=node, prop=prop, value=value, hint=hint))

    # IRIs first: a broken IRI makes every other message about it noise
    broken: set = set()
    judged: dict = {}  # IRI -> iri_problem(IRI): a large file uses few distinct IRIs many times
    triples = sorted(graph, key=lambda t: (isinstance(t[0], BNode), str(t[0]), str(t[1]), str(t[2])))
    for s, p, o in triples:
        for position, term in (("subject", s), ("property", p), ("object", o)):
            iri = term.datatype if isinstance(term, Literal) else term
            if isinstance(iri, URIRef):
                if iri not in judged:
                    judged[iri] = iri_problem(str(iri))
                found = judged[iri]
                if found:
                    broken.add(iri)
                    rule, message, hint = found
                    before = len(problems)
                    report(rule, message, node=s, prop=p if position != "property" else None,
                           value=o if position == "object" else None, hint=hint)
                    if len(problems) > before:
                        _point_at_character(problems[-1], change, iri)
    if problems:
        return problems

    terms = vocab.classes | vocab.properties
    expects_of: dict = {}
    #: (subject, property) pairs whose subject and property checks passed: a large file repeats them
    passed: set = set()
    for s, p, o in triples:
        # ontology edits
        if p in _TBOX_PREDICATES or (p == RDF.type and o in _TBOX_TYPES) or (
                p == OWL.members and (s, RDF.type, OWL.AllDisjointClasses) in graph):
            report("tbox-edit", f"a data file may not add ontology axioms: {short(s)} {short(p)} {short(o)}",
                   node=s, prop=p, value=o,
                   hint="propose classes, properties and axioms as a change to ontology/eco.ttl, reviewed on their own")
            continue
        if (s, p) not in passed:
            if isinstance(s, URIRef) and (str(s).startswith(str(ECO)) or str(s) == str(ECO).rstrip("/")):
                if s in vocab.ontology_subjects:
                    report("tbox-edit", f"a data file may not describe the ontology term {short(s)}", node=s, prop=p,
                           value=o, hint="change ontology/eco.ttl instead; data files describe individuals")
                else:
                    report("coined-term", f"{short(s)} would be a new term in the ontology namespace", node=s, prop=p,
                           hint="name individuals under https://w3id.org/eco-kg/id/ (prefix ecoid:); "
                                "new classes and properties go into ontology/eco.ttl")
                continue
            if isinstance(s, URIRef) and s in vocab.ontology_subjects and s in terms:
                report("tbox-edit", f"{short(s)} is a term of the ontology and may not be changed by a data file",
                       node=s, prop=p, value=o, hint="propose the change to the ontology files instead")
                continue
            if isinstance(s, URIRef) and not str(s).startswith(BASE):
                where = vocab.namespace_of(str(s))
                if where:
                    report("coined-term", f"{short(s)} is in the {where[0]}: vocabulary, which the project does not own",
                           node=s, prop=p,
                           hint=f"describe things under {BASE}id/ (ecoid:) and use {where[0]}: terms only as they are defined")
                else:
                    report("subject-outside-namespace", f"new subject <{s}> is outside the project namespace {BASE}",
                           node=s, hint=f"name it under {BASE}id/ (prefix ecoid:), and link the outside IRI with "
                                        "owl:sameAs or skos:exactMatch")
                continue
            if isinstance(s, URIRef) and (not str(s).startswith(str(ID)) or str(s) == str(ID)):
                report("subject-outside-namespace", f"new subject <{s}> is not under {ID}, where the graph names "
                       "what it describes", node=s,
                       hint=f"name it {ID}Name (prefix ecoid:), e.g. <{ID}{local_name(s) or 'Name'}>")
                continue
            # properties
            if p not in vocab.properties:
                if p in vocab.classes:
                    report("class-as-property", f"{short(p)} is a class, not a property", node=s, prop=p,
                           hint="use it as the object of rdf:type (a), or use a property")
                else:
                    where = vocab.namespace_of(str(p))
                    guess = None if change.problems_full else vocab.suggest(p, "property")
                    what = (f"unknown property {short(p)}: the {where[0]}: vocabulary has no such term" if where
                            else f"unknown property <{p}> from a vocabulary the project does not use")
                    report("unknown-property", what + (f"; did you mean {guess}?" if guess else ""), node=s, prop=p,
                           hint=(f"use {guess}" if guess else "use a property of the ECO ontology (ontology/eco.ttl) "
                                 "or of a reused vocabulary (" + ", ".join(sorted(REUSED)) + ")"))
            else:
                passed.add((s, p))  # a later triple with them skips these checks
        # classes
        if p == RDF.type:
            if isinstance(o, URIRef) and o not in vocab.classes:
                if o in vocab.properties:
                    report("property-as-class", f"{short(o)} is a property, not a class", node=s, prop=p, value=o,
                           hint="use a class after rdf:type (a)")
                else:
                    guess = None if change.problems_full else vocab.suggest(o, "class")
                    report("unknown-class", f"unknown class {short(o)}" + (f"; did you mean {guess}?" if guess else ""),
                           node=s, prop=p, value=o,
                           hint=f"use {guess}" if guess else "use a class of the ECO ontology (ontology/eco.ttl)")
            elif isinstance(o, Literal):
                report("iri-expected", f"rdf:type needs a class IRI, not the literal {short(o)}", node=s, prop=p, value=o)
        # literal or IRI, as the property says
        if p not in expects_of:
            expects_of[p] = vocab.property_expects(p) if p in vocab.properties else None
        expects = expects_of[p]
        if expects == "literal" and not isinstance(o, Literal):
            report("literal-expected", f"{short(p)} takes a literal value, but {short(o)} is an IRI",
                   node=s, prop=p, value=o, hint=f'write the value as a string, e.g. {short(p)} "…"@en')
        elif expects == "iri" and isinstance(o, Literal):
            report("iri-expected", f"{short(p)} links to a resource, but the value is the literal {short(o)}",
                   node=s, prop=p, value=o, hint="give the IRI of the thing (e.g. ecoid:Pakistan), not its name")
        # literals
        if isinstance(o, Literal):
            # invisible characters are all outside ASCII: an ASCII literal needs only the control search
            suspect = _CONTROL.search(o) if o.isascii() else _SUSPECT.search(o)
            control = _CONTROL.search(o) if suspect else None
            if control:
                report("control-character", f"literal contains the control character {control_name(control.group())}"
                       " (written as an escape)", node=s, prop=p, value=Literal(repr(str(o))[1:-1][:80]),
                       hint="remove it; only tab, newline and carriage return may appear in literals")
            hidden = invisible_characters(o, allowed=_INVISIBLE_ALLOWED_IN_TEXT) if suspect else ()
            if hidden:
                report("invisible-character", f"literal contains the invisible character {describe_character(hidden[0])}",
                       node=s, prop=p, value=o, hint="remove it: text with it looks like other text but does not "
                       "match it (duplicate labels, searches)")
            why_tag = language_tag_problem(o.language) if o.language else None
            if why_tag:
                report("language-tag", why_tag, node=s, prop=p,
                       value=o, hint="use a tag such as @en, @fa, @ur, @en-GB or @zh-Hans")
            if o.datatype is not None and o.datatype not in vocab.datatypes:
                guess = [] if change.problems_full else difflib.get_close_matches(
                    str(o.datatype), [str(d) for d in vocab.datatypes], n=1, cutoff=0.8)
                report("unknown-datatype", f"unknown datatype {short(o.datatype)}"
                       + (f"; did you mean {short(URIRef(guess[0]))}?" if guess else ""), node=s, prop=p, value=o,
                       hint="use an XSD datatype (xsd:string, xsd:integer, xsd:date, xsd:gYear …)")
            else:
                why = lexical_problem(o)
                if why:
                    local = str(o.datatype)[len(str(XSD)):]
                    report("ill-typed-literal", f'"{o}" is {why}', node=s, prop=p, value=o,
                           hint="write it as " + _EXAMPLES.get(local, f"a valid xsd:{local}"))
        # Wikidata IRIs
        if isinstance(o, URIRef) and _WIKIDATA_ANY.match(str(o)) and (p in _WIKIDATA_LINK_PROPERTIES) \
                and not WIKIDATA_ENTITY.match(str(o)):
            fixed = wikidata_suggestion(str(o))
            report("wikidata-id", f"malformed Wikidata ID <{o}>: links must name an item as "
                   "http://www.wikidata.org/entity/Q<digits>", node=s, prop=p, value=o,
                   hint=f"write <{fixed}>" if fixed else "look the item up on wikidata.org and use its Q-number")
    # blank-node entities
    for node in sorted({s for s in graph.subjects() if isinstance(s, BNode)}, key=str):
        types = set(graph.objects(node, RDF.type))
        entity_types = {t for t in types if t not in _STRUCTURAL_CLASSES}
        eco_properties = {p for p in graph.predicates(node) if str(p).startswith(str(ECO))}
        if entity_types or (not types and eco_properties):
            what = ", ".join(sorted(short(t) for t in entity_types)) or "an entity (it has ECO properties)"
            report("blank-node-entity", f"a blank node is typed as {what}; entities need IRIs", node=node,
                   prop=RDF.type if entity_types else None, value=min(entity_types, key=str) if entity_types else None,
                   hint=f"name it, e.g. ecoid:SomeName or claim:some-name under {BASE}id/, so others can refer to it")
    return problems
