"""The picture of the graph: /graph (the page, with filters and zoom) and /graph.svg (the picture alone).

Owns what the picture shows — things, stated relations and claims merged per holder and topic — filtered
by claim kind and actor, and pictures kept on the app under a digest of what they are drawn from (never
stale). The layout is `kg.picture`; the drawing is the `graph.svg` template.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Response, current_app, render_template, request
from rdflib import URIRef
from rdflib.namespace import SKOS

from kg import picture
from kg.namespaces import ECO, INFERRED_GRAPH

from .site import BadRequest, blueprint, local_href, public_base, select
from .terms import CLAIM_KINDS, class_closure, claim_classes, claim_kind, fetch_labels, label_of

#: kinds of things drawn: key (as in `kg.picture.KINDS`) and the classes whose instances belong
CATEGORIES = [
    ("state", [ECO.State]), ("organisation", [ECO.Organisation]), ("group", [ECO.StateGroup]),
    ("person", [ECO.Person]), ("region", [ECO.Region]), ("sea", [ECO.Sea]),
    ("port", [ECO.Port, ECO.SpecialEconomicZone]), ("corridor", [ECO.Corridor]), ("domain", [ECO.CooperationDomain]),
]
ACTOR_KINDS = {"state", "organisation", "group", "person"}
EDGE_GROUP = {
    ECO.connects: "geography", ECO.passesThrough: "geography", ECO.locatedIn: "geography",
    ECO.partOfPlace: "geography", URIRef("http://www.w3.org/ns/org#memberOf"): "membership",
    ECO.groupMember: "membership",
}
#: relations left out: the domain hierarchy is shown by indentation, and corridors' domains would
#: cross every band
PICTURE_SKIPS = {SKOS.broader, SKOS.narrower, SKOS.related, SKOS.inScheme, SKOS.topConceptOf, ECO.domain}
ABOUT_PROPERTIES = [ECO.about, ECO.cooperationDomain, ECO.involves, ECO.concernsPlace, ECO.concernsMeasure,
                    ECO.identifiesObstacle, ECO.invokesPrinciple]
#: the roles of a linkage a claim states: drawn as what the claim is about
LINKAGE_ROLES = {ECO.linkingActor, ECO["from"], ECO.to, ECO.via}
RELATIONS_ONLY = "relations"
ZOOMS = {"fit": 0.0, "100": 1.0, "150": 1.5, "200": 2.0}
KEPT_PICTURES = 16


@dataclass(frozen=True)
class Choice:
    """What a person asked to see: a claim kind key (or "relations", or all), an actor, a zoom level."""

    kind: str = ""
    actor: str = ""
    zoom: str = "fit"

    def href(self, path: str = "/graph", **changes) -> str:
        values = {"kind": self.kind, "actor": self.actor, "zoom": self.zoom, **changes}
        query = urlencode({k: v for k, v in values.items() if v and not (k == "zoom" and v == "fit")})
        return (request.script_root or "") + path + (f"?{query}" if query else "")


@dataclass
class Contents:
    """Everything the picture may show, before filtering."""

    category: dict[URIRef, str] = field(default_factory=dict)
    relations: list[tuple[URIRef, URIRef, URIRef]] = field(default_factory=list)
    claims: list[tuple[URIRef, str, URIRef, URIRef]] = field(default_factory=list)  # claim, kind key, holder, topic
    #: every claim's kind key and holders, drawn or not: what the filters count, as the named queries do
    kinds: dict[URIRef, str] = field(default_factory=dict)
    holders: dict[URIRef, set] = field(default_factory=dict)
    broader: dict[URIRef, set] = field(default_factory=lambda: defaultdict(set))


def id_iri(local: str) -> URIRef:
    """The IRI of a thing named by its path under /id/ (as in ``?actor=Iran``)."""
    return URIRef(public_base() + "id/" + local)


def _category(types, closure) -> str | None:
    supers = set()
    for t in types:
        supers |= closure.get(t, {t})
    return next((key for key, classes in CATEGORIES if any(c in supers for c in classes)), None)


def read_contents() -> Contents:
    """Things by category, stated relations among them, and each claim's holders and topics."""
    base_id = public_base() + "id/"
    closure = class_closure()
    claim_set = claim_classes()
    types: dict[URIRef, set] = defaultdict(set)
    for row in select(f"""SELECT DISTINCT ?x ?t WHERE {{ GRAPH ?g {{ ?x a ?t }}
            FILTER(isIRI(?t) && STRSTARTS(STR(?x), "{base_id}")) }}"""):
        types[row["x"]].add(row["t"])
    contents = Contents()
    contents.category = {x: c for x, c in ((x, _category(ts, closure)) for x, ts in types.items()) if c}
    claims = {x: claim_kind(ts).key for x, ts in types.items() if ts & claim_set}
    # stated triples only: the entailments (graph/inferred) would draw every inverse and closure twice
    links = select(f"""SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(?g != <{INFERRED_GRAPH}>)
        FILTER(isIRI(?o) && STRSTARTS(STR(?s), "{base_id}") && STRSTARTS(STR(?o), "{base_id}")) }}""")
    about_props = set(ABOUT_PROPERTIES) | {r["p"] for r in select(
        "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?p rdfs:subPropertyOf+ eco:about } }")}
    holders, topics = defaultdict(set), defaultdict(set)
    stating, roles = defaultdict(set), defaultdict(set)  # a linkage's places and actors are what its claim is about
    for row in links:
        s, p, o = row["s"], row["p"], row["o"]
        if s in claims:
            if p == ECO.holder:
                holders[s].add(o)
            elif p == ECO.statesLinkage:
                stating[o].add(s)
            elif p in about_props:
                topics[s].add(o)
        elif p in LINKAGE_ROLES:
            roles[s].add(o)
        elif p == SKOS.broader:
            contents.broader[s].add(o)
        elif s in contents.category and o in contents.category and s != o and p not in PICTURE_SKIPS:
            contents.relations.append((s, p, o))
    for linkage, claims_of in stating.items():
        for claim in claims_of:
            topics[claim] |= roles[linkage]
    for claim in sorted(holders, key=str):
        for holder in sorted(holders[claim], key=str):
            for topic in sorted(topics.get(claim, ()), key=str):
                if holder in contents.category and topic in contents.category and holder != topic:
                    contents.claims.append((claim, claims[claim], holder, topic))
    contents.relations.sort(key=lambda t: tuple(map(str, t)))
    contents.kinds, contents.holders = claims, dict(holders)
    return contents


def read_choice(contents: Contents) -> Choice:
    kind = request.args.get("kind", "").strip()
    actor = request.args.get("actor", "").strip()
    zoom = request.args.get("zoom", "fit").strip() or "fit"
    kinds = [k.key for k in CLAIM_KINDS] + [RELATIONS_ONLY]
    if kind and kind not in kinds:
        raise BadRequest(f"unknown kind {kind!r}; use one of: {', '.join(kinds)}", 400)
    if actor and contents.category.get(id_iri(actor)) not in ACTOR_KINDS:
        raise BadRequest(f"no actor {actor!r} in the picture; choose one from the list on /graph", 404)
    if zoom not in ZOOMS:
        raise BadRequest(f"unknown zoom {zoom!r}; use one of: {', '.join(ZOOMS)}", 400)
    return Choice(kind, actor, zoom)


def chosen(contents: Contents, choice: Choice) -> tuple[list, list]:
    """The stated relations and claims ``choice`` keeps."""
    actor = id_iri(choice.actor) if choice.actor else None
    relations = [] if choice.kind not in ("", RELATIONS_ONLY) else [
        r for r in contents.relations if actor is None or actor in (r[0], r[2])]
    claims = [] if choice.kind == RELATIONS_ONLY else [
        c for c in contents.claims if (not choice.kind or c[1] == choice.kind) and (actor is None or c[2] == actor)]
    return relations, claims


def picture_input(contents: Contents, relations: list, claims: list) -> tuple[list, list]:
    """`kg.picture` nodes and edges: stated relations, and claims merged per holder and topic."""
    verbs = {kind.key: kind.verb for kind in CLAIM_KINDS}
    merged: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for claim, kind, holder, topic in claims:
        merged[(holder, topic)][kind].append(claim)
    shown = {x for r in relations for x in (r[0], r[2])} | {x for pair in merged for x in pair}
    pending = [x for x in shown if contents.category[x] == "domain"]
    while pending:  # a domain brings its broader domains, so that the hierarchy reads as a tree
        for parent in contents.broader.get(pending.pop(), ()):
            if parent in contents.category and parent not in shown:
                shown.add(parent)
                pending.append(parent)
    fetch_labels(list(shown) + [r[1] for r in relations] + [c[0] for c in claims])
    edges = []
    for s, p, o in relations:
        group = EDGE_GROUP.get(p, "fact")
        edges.append(picture.Edge(str(s), str(o), group, group, [(label_of(p), group)],
                                  f"{label_of(s)} — {label_of(p)} → {label_of(o)}"))
    for (holder, topic), by_kind in sorted(merged.items(), key=lambda kv: tuple(map(str, kv[0]))):
        kinds = [k.key for k in CLAIM_KINDS if k.key in by_kind]
        parts = [f"{verbs[k]} ×{len(by_kind[k])}" if len(by_kind[k]) > 1 else verbs[k] for k in kinds]
        words = [piece for k, part in zip(kinds, parts) for piece in ((", ", ""), (part, k))][1:]
        behind = sorted((c for k in kinds for c in by_kind[k]), key=lambda c: label_of(c).lower())
        title = f"{label_of(holder)} — {', '.join(parts)} → {label_of(topic)}\n" + "\n".join(
            "• " + label_of(c) for c in behind)
        edges.append(picture.Edge(str(holder), str(topic), kinds[0] if len(kinds) == 1 else "mixed", "claim",
                                  words, title, len(behind)))
    held = defaultdict(set)
    for claim, _kind, holder, _topic in claims:
        held[holder].add(claim)
    nodes = []
    for iri in sorted(shown, key=str):
        kind = contents.category[iri]
        parents = sorted((p for p in contents.broader.get(iri, ()) if p in shown), key=str)
        title = f"{label_of(iri)} ({picture.KINDS[kind][0]})"
        title += f" · {len(held[iri])} claims shown" if held[iri] else ""
        nodes.append(picture.Node(str(iri), label_of(iri), kind, title, local_href(str(iri)),
                                  str(parents[0]) if parents else None))
    return nodes, edges


def drawn(nodes: list, edges: list) -> tuple[picture.Picture, str]:
    """The laid-out picture and its SVG, kept on the app under a digest of what they are drawn from."""
    key = hashlib.sha256(repr((
        [(n.key, n.label, n.kind, n.title, n.href, n.parent) for n in nodes],
        [(e.source, e.target, e.style, e.group, e.words, e.title, e.weight) for e in edges])).encode()).hexdigest()
    kept: dict = current_app.extensions.setdefault("ecokg_pictures", {})
    found = kept.get(key)
    if found is None:  # threads may both draw a new picture; each step on the dict is atomic
        laid_out = picture.lay_out(nodes, edges)
        found = kept[key] = (laid_out, render_template("graph.svg", picture=laid_out))
        while len(kept) > KEPT_PICTURES:
            try:
                del kept[next(iter(kept))]  # the oldest
            except (KeyError, StopIteration, RuntimeError):
                break
    return found


def _current() -> tuple[Contents, Choice, picture.Picture, str]:
    contents = read_contents()
    choice = read_choice(contents)
    nodes, edges = picture_input(contents, *chosen(contents, choice))
    laid_out, svg = drawn(nodes, edges)
    return contents, choice, laid_out, svg


def chosen_claims(contents: Contents, choice: Choice) -> set:
    """Every claim of the chosen kind held by the chosen actor, whether the picture can draw it or not."""
    if choice.kind == RELATIONS_ONLY:
        return set()
    actor = id_iri(choice.actor) if choice.actor else None
    return {claim for claim, kind in contents.kinds.items() if (not choice.kind or kind == choice.kind)
            and (actor is None or actor in contents.holders.get(claim, ()))}


def filter_options(contents: Contents, choice: Choice) -> dict:
    """The kinds of claim and the actors a person can choose, with how many claims each keeps."""
    actor_iri = id_iri(choice.actor) if choice.actor else None
    # every claim of a kind counts, also one the picture cannot draw (no holder, or only measures as topics):
    # a filter's number is the one `claims-by-kind` and `who-proposes-what` give
    kinds = []
    for kind in CLAIM_KINDS:
        count = len(chosen_claims(contents, Choice(kind.key, choice.actor)))
        if count:
            kinds.append({"key": kind.key, "name": kind.plural, "count": count, "href": choice.href(kind=kind.key)})
    held = defaultdict(set)
    for claim in chosen_claims(contents, Choice(choice.kind)):
        for holder in contents.holders.get(claim, ()):
            held[holder].add(claim)
    related = {x for s, _p, o in contents.relations for x in (s, o)}
    iris = [iri for iri, category in contents.category.items()
            if category in ACTOR_KINDS and (held[iri] or iri in related)]
    fetch_labels(iris)
    base_id = public_base() + "id/"
    actors = [{"key": str(iri)[len(base_id):], "name": label_of(iri), "count": len(held[iri])} for iri in iris]
    actors.sort(key=lambda a: (-a["count"], a["name"].lower()))
    return {"kinds": kinds, "actors": actors}


@blueprint.route("/graph")
def graph_page():
    contents, choice, laid_out, svg = _current()
    zoom = ZOOMS[choice.zoom]
    body = render_template(
        "graph.html", svg=svg, picture=laid_out, choice=choice, options=filter_options(contents, choice),
        zooms=[{"key": k, "href": choice.href(zoom=k), "scale": v} for k, v in ZOOMS.items()],
        zoom_width=round(round(laid_out.width) * zoom) if zoom else 0,
        actor_name=label_of(id_iri(choice.actor)) if choice.actor else "",
        nodes_by_key={n.key: n for n in laid_out.nodes}, svg_href=choice.href("/graph.svg", zoom="fit"),
        claims_chosen=len(chosen_claims(contents, choice)),
        claims_drawn=len({claim[0] for claim in chosen(contents, choice)[1]}))
    return Response(body, mimetype="text/html")


@blueprint.route("/graph.svg")
def graph_svg_file():
    _contents, _choice, _laid_out, svg = _current()
    return Response(svg, mimetype="image/svg+xml")
