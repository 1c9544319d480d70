"""Stage 3, vocabulary: the change speaks the project's language and stays in its own namespace.

Owns the rules on terms and names: classes and properties that exist (with "did you mean"), no terms coined in
another vocabulary, no ontology edits, subjects under ECO-KG's id/ or a researcher's project namespaces, entities named by IRIs, literal or IRI
as the property wants. Single terms' form is `kg.gate.wellformed`'s; the known terms `kg.gate.known_terms`'.
"""
from __future__ import annotations

import difflib
import re

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from ..namespaces import BASE, ECO, ID, OA
from ..terms import local_name, short
from .bytes import _CONTROL, control_name
from .context import Base, Change
from .known_terms import CLASS_TYPES, PROPERTY_TYPES, REUSED
from .report import Problem
from .syntax import SENTINEL_BASE
from .wellformed import (
    BAD_IRI_CHARS, INVISIBLE, WIKIDATA_ENTITY, XSD_EXAMPLES, describe_character, invisible_characters, iri_problem,
    language_tag_problem, lexical_problem, well_formed_language_tag, wikidata_suggestion, xsd_lexical_problem,
)

__all__ = ["STAGE", "check_vocabulary", "literal_flood",
           # re-exported: the tests of single terms import them from here
           "iri_problem", "lexical_problem", "well_formed_language_tag", "wikidata_suggestion"]

STAGE = "vocabulary"

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
_TBOX_TYPES = (CLASS_TYPES | PROPERTY_TYPES | {OWL.AllDisjointClasses, OWL.AllDisjointProperties, OWL.Ontology})
#: classes a blank node may have (parts of a description, not entities)
#: read once: an attribute of rdflib's namespaces costs a lookup each time, and the loops below run per triple
_TYPE, _MEMBERS = RDF.type, OWL.members
_STRUCTURAL_CLASSES = {OA.TextQuoteSelector, OA.TextPositionSelector, OA.SpecificResource,
                       OWL.NegativePropertyAssertion, OWL.AllDifferent, OWL.Axiom, OWL.Annotation, RDF.List,
                       RDF.Statement}
_WIKIDATA_LINK_PROPERTIES = {OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch,
                             SKOS.narrowMatch, SKOS.relatedMatch}
_WIKIDATA_ANY = re.compile(r"^[a-z]+://(?:[\w-]+\.)*wikidata\.org(?:/|$)", re.IGNORECASE)

#: ZWNJ and ZWJ (U+200C, U+200D) are allowed in literals: Persian and Urdu spelling needs them
_INVISIBLE_ALLOWED_IN_TEXT = {"\u200c", "\u200d"}
#: a control or invisible character: most literals have none, and are checked for both in one search
_SUSPECT = re.compile(_CONTROL.pattern + "|" + INVISIBLE.pattern)
_XSD = str(XSD)

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


def _point_at_character(problem: Problem, change: Change, iri: URIRef) -> None:
    """Put the problem's column on the offending character itself, when the IRI is written out in full."""
    text = str(iri)
    bad = BAD_IRI_CHARS.search(text) or INVISIBLE.search(text)
    source = change.file_of(None) if problem.file is None else next(
        (f for f in change.files if f.name == problem.file), None)
    if bad is None or source is None or problem.line is None:
        return
    problem.value = f"<{text}>"  # a prefixed form of a broken IRI would not be valid Turtle either
    column = source.column_of(problem.line, f"<{text}>")
    if column is not None:
        problem.column = column + 1 + bad.start()


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
    project = base.settings.project
    expects_of: dict = {}
    #: (subject, property) pairs whose subject and property checks passed: a large file repeats them
    passed: set = set()
    for s, p, o in triples:
        # ontology edits
        if p in _TBOX_PREDICATES or (p == _TYPE and o in _TBOX_TYPES) or (
                p == _MEMBERS and (s, _TYPE, OWL.AllDisjointClasses) in graph):
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
                           hint=f"name individuals under {ID} (prefix ecoid:); "
                                "new classes and properties go into ontology/eco.ttl")
                continue
            if isinstance(s, URIRef) and s in vocab.ontology_subjects and s in terms:
                report("tbox-edit", f"{short(s)} is a term of the ontology and may not be changed by a data file",
                       node=s, prop=p, value=o, hint="propose the change to the ontology files instead")
                continue
            if isinstance(s, URIRef) and project is not None and project.owns(str(s)):
                pass  # a researcher's project mints its own subjects in its own namespaces
            elif isinstance(s, URIRef) and not str(s).startswith(BASE):
                where = vocab.namespace_of(str(s))
                if where:
                    report("coined-term", f"{short(s)} is in the {where[0]}: vocabulary, which the project does not own",
                           node=s, prop=p,
                           hint=f"describe things under {BASE}id/ (ecoid:) and use {where[0]}: terms only as they are defined")
                elif project is not None:
                    owned = " or ".join(project.namespaces)
                    report("subject-outside-namespace", f"new subject <{s}> is outside the project's namespaces "
                           f"({owned}; ECO-KG's own: {ID})", node=s,
                           hint=f"name it under {project.namespace}id/, and link the outside IRI with owl:sameAs "
                                "or skos:exactMatch; more namespaces go into ecokg.toml's [project] namespaces")
                else:
                    report("subject-outside-namespace", f"new subject <{s}> is outside the project namespace {BASE}",
                           node=s, hint=f"name it under {BASE}id/ (prefix ecoid:), and link the outside IRI with "
                                        "owl:sameAs or skos:exactMatch")
                continue
            if isinstance(s, URIRef) and (project is None or not project.owns(str(s))) and (
                    not str(s).startswith(str(ID)) or str(s) == str(ID)):
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
        if p == _TYPE:
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
                           hint="write it as " + XSD_EXAMPLES.get(local, f"a valid xsd:{local}"))
        # Wikidata IRIs
        if isinstance(o, URIRef) and _WIKIDATA_ANY.match(str(o)) and (p in _WIKIDATA_LINK_PROPERTIES) \
                and not WIKIDATA_ENTITY.match(str(o)):
            fixed = wikidata_suggestion(str(o))
            report("wikidata-id", f"malformed Wikidata ID <{o}>: links must name an item as "
                   "http://www.wikidata.org/entity/Q<digits>", node=s, prop=p, value=o,
                   hint=f"write <{fixed}>" if fixed else "look the item up on wikidata.org and use its Q-number")
    # blank-node entities: each blank subject's types and whether it has ECO properties, read in one pass (a
    # large file of lists has a blank node per item: one lookup in the graph each would cost far more)
    types_of: dict = {}
    with_eco_properties: set = set()
    eco = str(ECO)
    for s, p, o in triples:
        if isinstance(s, BNode):
            types = types_of.setdefault(s, set())
            if p == _TYPE:
                types.add(o)
            elif str(p).startswith(eco):
                with_eco_properties.add(s)
    for node in sorted(types_of, key=str):
        types = types_of[node]
        entity_types = {t for t in types if t not in _STRUCTURAL_CLASSES}
        if entity_types or (not types and node in with_eco_properties):
            what = ", ".join(sorted(short(t) for t in entity_types)) or "an entity (it has ECO properties)"
            report("blank-node-entity", f"a blank node is typed as {what}; entities need IRIs", node=node,
                   prop=RDF.type if entity_types else None, value=min(entity_types, key=str) if entity_types else None,
                   hint=f"name it, e.g. ecoid:SomeName or claim:some-name under {BASE}id/, so others can refer to it")
    return problems
