"""The gazetteer: every name of every known entity, and where a text uses them.

Owns collecting labels, alternative labels and surface forms of the seeds' entities (with the claim property
each one's kind calls for) and finding their mentions on word boundaries, nested ones marked. Drafting claims
is `kg.extract`'s; the build's own mention annotations are `kg.annotations`'."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from .evidence import Span, span_at
from .namespaces import ECO, GEO

#: the kinds of named things a text can mention, and the claim property that says a claim is about one
#: (in the order a kind is looked for: a port is a place before it is anything else)
ABOUT_BY_KIND: tuple[tuple[URIRef, URIRef], ...] = (
    (ECO.Obstacle, ECO.identifiesObstacle),
    (ECO.Principle, ECO.invokesPrinciple),
    (ECO.Measure, ECO.concernsMeasure),
    (ECO.Actor, ECO.involves),
    (GEO.Feature, ECO.concernsPlace),
    (ECO.Place, ECO.concernsPlace),
    (ECO.Corridor, ECO.concernsPlace),
    (ECO.CooperationDomain, ECO.cooperationDomain),
)
#: the properties whose values name an entity, the build's own surface forms first
NAME_PROPERTIES = (ECO.surfaceForm, RDFS.label, SKOS.altLabel)


@dataclass(frozen=True)
class Mention:
    """One use of a name in the text: ``text[span.start:span.end] == span.exact`` names ``entity``."""

    entity: URIRef
    span: Span
    nested_in: int | None = None  # index (in the mention list) of the shortest longer mention containing it


@dataclass
class Gazetteer:
    """Names -> entities, with what the seeds say of each entity that a draft claim needs."""

    names: dict[str, set[URIRef]] = field(default_factory=dict)
    about: dict[URIRef, URIRef] = field(default_factory=dict)  # entity -> the claim property for it
    domains: dict[URIRef, set[URIRef]] = field(default_factory=dict)  # entity -> its eco:domain concepts
    organisations: set[URIRef] = field(default_factory=set)
    forms: set[tuple[str, URIRef]] = field(default_factory=set)  # (name, entity) given as eco:surfaceForm
    _pattern: re.Pattern | None = None
    _initials: dict[str, list[str]] | None = None

    @classmethod
    def from_graph(cls, data: Graph, ontology: Graph) -> "Gazetteer":
        """The names of every entity ``data`` types with a class of `ABOUT_BY_KIND` (or gives a surface form)."""
        supers = _superclasses(ontology)
        gazetteer = cls()
        typed = set(data.subject_objects(RDF.type)) | set(ontology.subject_objects(RDF.type))
        for entity, cls_ in sorted(typed):
            if not isinstance(entity, URIRef):
                continue
            ancestors = supers.get(cls_, {cls_})
            for kind, prop in ABOUT_BY_KIND:
                if kind in ancestors:
                    gazetteer.about.setdefault(entity, prop)
                    break
            if ECO.Organisation in ancestors:
                gazetteer.organisations.add(entity)
        for entity in sorted(set(data.subjects(ECO.surfaceForm, None)) | set(gazetteer.about)):
            # a cooperation domain is a concept, not a named thing: only the words the seeds say name it
            props = (ECO.surfaceForm,) if gazetteer.about.get(entity) == ECO.cooperationDomain else NAME_PROPERTIES
            for prop in props:
                for name in data.objects(entity, prop):
                    if isinstance(name, Literal) and name.language in (None, "en") and str(name).strip():
                        gazetteer.add(str(name), entity, exact=prop == ECO.surfaceForm)
            found = {d for d in data.objects(entity, ECO.domain) if isinstance(d, URIRef)}
            if found:
                gazetteer.domains[entity] = found
        return gazetteer

    def add(self, name: str, entity: URIRef, *, exact: bool = True) -> None:
        """Add a name. Surface forms match as written; a label that starts in lower case also matches
        capitalised (at the start of a sentence). Acronyms always match as written."""
        self._pattern = self._initials = None
        self.names.setdefault(name, set()).add(entity)
        if exact:
            self.forms.add((name, entity))
        if not exact and name[:1].islower():
            self.names.setdefault(name[:1].upper() + name[1:], set()).add(entity)

    def pattern(self) -> re.Pattern:
        if self._pattern is None:
            # longest names first, so that the alternation prefers them where several start at one place
            names = sorted(self.names, key=lambda name: (-len(name), name))
            self._pattern = re.compile(r"(?<!\w)(?=(" + "|".join(re.escape(name) for name in names) + r"))")
        return self._pattern

    def find(self, text: str) -> list[Mention]:
        """Every mention in ``text``, in text order (then by entity IRI).

        All names that occur at a place are tried, not only the longest, so a name nested in a longer one
        ("Persian Gulf" in "Persian Gulf Arab states") is found too. Of overlapping matches of one entity a
        surface form wins over a label, then the longest; of two entities' matches that overlap without one
        lying inside the other the longer wins; one inside another is kept, marked `nested_in`."""
        if not self.names:
            return []
        candidates: list[tuple[bool, int, int, URIRef]] = []
        for match in self.pattern().finditer(text):
            start = match.start()
            for name in self._names_at(text, start):
                end = start + len(name)
                for entity in self.names[name]:
                    candidates.append(((name, entity) in self.forms, start, end, entity))
        # an entity's surface forms first (the words a curator chose say where its mention starts and ends),
        # then longest first
        candidates.sort(key=lambda c: (not c[0], -(c[2] - c[1]), c[1], str(c[3])))
        chosen: list[tuple[int, int, URIRef]] = []
        at: dict[int, list[int]] = {}  # character offset -> the chosen matches covering it (names are short)
        for _form, start, end, entity in candidates:
            clash = False
            for index in {i for offset in range(start, end) for i in at.get(offset, ())}:
                c_start, c_end, c_entity = chosen[index]
                nested = c_start <= start and end <= c_end or start <= c_start and c_end <= end
                if c_entity == entity or not nested:
                    clash = True
                    break
            if not clash:
                for offset in range(start, end):
                    at.setdefault(offset, []).append(len(chosen))
                chosen.append((start, end, entity))
        order = sorted(range(len(chosen)), key=lambda i: (chosen[i][0], str(chosen[i][2]), chosen[i][1]))
        position = {index: rank for rank, index in enumerate(order)}
        mentions: list[Mention] = []
        for index in order:
            start, end, entity = chosen[index]
            enclosing = [i for i in at.get(start, ()) if chosen[i][0] <= start and end <= chosen[i][1]
                         and chosen[i][1] - chosen[i][0] > end - start]
            nested = min(enclosing, key=lambda i: (chosen[i][1] - chosen[i][0], str(chosen[i][2]))) \
                if enclosing else None
            mentions.append(Mention(entity, span_at(text, start, end), None if nested is None else position[nested]))
        return mentions

    def _names_at(self, text: str, start: int) -> list[str]:
        """The names that occur at ``start`` and end on a word boundary."""
        found = []
        for name in self._by_initial().get(text[start], ()):
            if text.startswith(name, start):
                end = start + len(name)
                if end >= len(text) or not _is_word(text[end]):
                    found.append(name)
        return found

    def _by_initial(self) -> dict[str, list[str]]:
        """The names by their first character, so a place in the text is compared with few names."""
        if self._initials is None:
            self._initials = {}
            for name in sorted(self.names):
                self._initials.setdefault(name[0], []).append(name)
        return self._initials


def _is_word(char: str) -> bool:
    return bool(char) and (char.isalnum() or char == "_")


def _superclasses(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    """Each class and every class above it (rdfs:subClassOf, transitively)."""
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct.setdefault(sub, set()).add(sup)
    closure: dict[URIRef, set[URIRef]] = {}
    for cls in direct:
        seen, todo = {cls}, [cls]
        while todo:
            for parent in direct.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        closure[cls] = seen
    return closure


__all__ = ["ABOUT_BY_KIND", "Gazetteer", "Mention", "NAME_PROPERTIES"]
