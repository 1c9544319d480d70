"""Linked Data pages: every IRI under the public base (/id/…, /graph/…, /dataset, ontology terms), and a
project's own IRIs at /describe?iri=….

Owns dereferencing an IRI (the page, or RDF by negotiation: 200 with Content-Location) and what a page
leads with — kind, other names, the Wikidata link, claims counted by kind — then the claims under the source
their words come from, with their exact words, and folded lists. The ontology's page is
`server.pages.ontology`; a source's text `.source`.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from flask import redirect, render_template, request
from rdflib import Graph, URIRef

from kg.namespaces import DATASET_IRI, ECO
from kg.rdfio import bind_prefixes

from . import negotiation
from .describe import (Description, claim_facts, describe, first_note, other_names, property_rows, same_things,
                       value_html)
from .evidence import (claim_evidence, entity_mentions, evidence_mark, mention_count, mention_mark, paragraphs_with,
                       segment_for, selected_spans, source_segments)
from .site import (MAX_IRI_LENGTH, BadRequest, blueprint, describe_path, iri_for_path, iri_ref, is_project_iri,
                   local_href, public_base, run, select)
from .source import source_text
from .terms import (CLAIM_KINDS, ancestors, claim_kind, compact, fetch_labels, is_claim, label_of,
                    leading_types, term_html)

#: incoming statements beyond this many are folded away under their count
FOLD_INCOMING = 12


def resource(path: str):
    """Dereference the IRI ``public base + path``: a page, or RDF by content negotiation."""
    return dereference(URIRef(iri_for_path(path)), "/" + path.lstrip("/"))


def dereference(iri: URIRef, local: str):
    """The page of ``iri`` at the local address ``local``, or its RDF by content negotiation (404 when the
    dataset knows nothing of it)."""
    iri_ref(iri)
    key = negotiation.negotiate()
    description = describe(iri)
    graph_size = 0
    if str(iri).startswith(public_base() + "graph/") or is_project_iri(str(iri)):
        graph_size = int(run(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {iri_ref(iri)} {{ ?s ?p ?o }} }}").rows[0][0] or 0)
    if not description.exists and not graph_size:
        raise BadRequest(f"nothing is known about <{iri}> in this dataset", 404)
    if key != negotiation.HTML:
        graph = description.graph
        if graph_size:
            contents = run(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(iri)} {{ ?s ?p ?o }} }}").graph
            if key in ("trig", "nquads"):
                return negotiation.rdf_response(graph, key, local, named=(iri, contents))
            graph = bind_prefixes(Graph())
            for triple in (*description.graph, *contents):
                graph.add(triple)
        return negotiation.rdf_response(graph, key, local)
    return negotiation.html_response(render_resource(description, local, graph_size), local)


def claims_about(entity: URIRef) -> list[dict]:
    """Claims that point at ``entity`` (as holder, what they are about, forum …, or a role of a linkage they
    state: from, to, via): roles and kind."""
    rows = select(f"""SELECT DISTINCT ?claim ?p ?type WHERE {{
        GRAPH ?g {{ {{ ?claim ?p {iri_ref(entity)} }} UNION
                   {{ ?claim eco:statesLinkage ?link . ?link ?p {iri_ref(entity)} }}
                   ?claim a ?type }}
        GRAPH ?o {{ ?type rdfs:subClassOf* eco:Claim }} }}""")
    roles: dict[URIRef, set] = defaultdict(set)
    types: dict[URIRef, set] = defaultdict(set)
    for row in rows:
        roles[row["claim"]].add(row["p"])
        types[row["claim"]].add(row["type"])
    return [{"claim": c, "roles": sorted(roles[c], key=str), "kind": claim_kind(types[c])}
            for c in sorted(roles, key=str)]


def claim_groups(entity: URIRef) -> list[dict]:
    """The claims about ``entity`` by kind, each with its exact words and where they are in the text."""
    about = claims_about(entity)
    if not about:
        return []
    fetch_labels([c["claim"] for c in about] + [r for c in about for r in c["roles"]])
    usual = Counter(tuple(c["roles"]) for c in about).most_common(1)[0][0]
    spans = defaultdict(list)
    for span in claim_evidence([c["claim"] for c in about]):
        spans[span.about].append({"exact": span.exact, "annotation": span.annotation, "source": span.source,
                                  "segment": segment_for(span.source, span.start, span.end)})
    groups = []
    for kind in CLAIM_KINDS:
        items = [dict(c, quotes=spans.get(c["claim"], []), unusual=tuple(c["roles"]) != usual)
                 for c in about if c["kind"] == kind]
        items.sort(key=lambda c: label_of(c["claim"]).lower())
        if items:
            groups.append({"kind": kind, "items": items})
    return groups


def claims_by_source(groups: list[dict]) -> list[dict]:
    """The claims of ``groups`` (by kind) under the source their words come from, sources in the order of their
    titles (claims whose words no source holds last); within a source, by kind as in ``groups``. The first list of each kind
    keeps the anchor the page's counts link to (``claims-<kind>``)."""
    sources: dict = {}
    for group in groups:
        for item in group["items"]:
            source = min((q["source"] for q in item["quotes"]), key=str, default=None)
            sources.setdefault(source, {}).setdefault(group["kind"], []).append(item)
    fetch_labels([s for s in sources if s is not None])
    ordered = sorted(sources, key=lambda s: (s is None, label_of(s).lower() if s is not None else "", str(s)))
    anchored, result = set(), []
    for number, source in enumerate(ordered, 1):
        kinds = []
        for kind, items in sources[source].items():
            anchor = f"claims-{kind.key}" if kind.key not in anchored else f"claims-{kind.key}-{number}"
            anchored.add(kind.key)
            kinds.append({"kind": kind, "items": items, "anchor": anchor})
        result.append({"source": source, "title": label_of(source) if source is not None else "Source not recorded",
                       "anchor": f"claims-source-{number}", "groups": kinds,
                       "count": sum(len(k["items"]) for k in kinds)})
    return result


def render_resource(description: Description, local: str, graph_size: int) -> str:
    iri = description.iri
    types = description.types
    fetch_labels(description.mentioned())
    type_set = set()
    for t in types:
        type_set |= ancestors(t)
    sections: dict = {}
    if ECO.SourceDocument in type_set or bool(source_segments(iri)):
        # the whole text, with every claim's evidence marked, says more than a list of its claims
        sections["source_text"] = source_text(iri)
    elif is_claim(types):
        spans = claim_evidence([iri])
        sections["evidence"] = paragraphs_with(spans, evidence_mark)
        sections["evidence_spans"] = spans
        sections["claim_facts"] = claim_facts(description)
    else:
        groups = claim_groups(iri)
        if groups:
            sections["claim_groups"] = groups
            sections["claim_sources"] = claims_by_source(groups)
            sections["claim_count"] = sum(len(group["items"]) for group in groups)
            sections["holds_claims"] = any(ECO.holder in item["roles"] for gr in groups for item in gr["items"])
        mentions = entity_mentions(iri)
        if mentions:
            sections["mentions"] = paragraphs_with(mentions, mention_mark)
            sections["mention_count"] = mention_count(iri)
        selected = selected_spans(iri)
        if selected:
            sections["selected"] = paragraphs_with(selected, evidence_mark)
    fetch_labels({para["segment"].source for key in ("evidence", "mentions", "selected")
                  for para in sections.get(key, []) if para["segment"] is not None})  # "… of <the source>"
    if graph_size:
        sections["graph_contents"] = graph_contents(iri)
        sections["graph_size"] = graph_size
    leading = leading_types(types)
    return render_template(
        "resource.html", iri=iri, title=label_of(iri), curie=compact(iri), leading_types=leading,
        other_types=[t for t in types if t not in leading], other_names=other_names(description),
        same_things=same_things(description), notes=first_note(description),
        outgoing=property_rows(description.outgoing), incoming=property_rows(description.incoming),
        incoming_count=description.incoming_count, fold_incoming=description.incoming_count > FOLD_INCOMING,
        incoming_truncated=description.incoming_truncated, description=description,
        alternates=negotiation.alternates(local), sections=sections, term_html=term_html, value_html=value_html,
        label_of=label_of, local_href=local_href, graph_actor=local.rsplit("/", 1)[-1] if local.startswith("/id/") else "")


def graph_contents(graph_iri: URIRef) -> list[dict]:
    rows = select(f"""SELECT ?s (COUNT(*) AS ?n) WHERE {{ GRAPH {iri_ref(graph_iri)} {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}
        GROUP BY ?s ORDER BY ?s LIMIT 1000""")
    fetch_labels([r["s"] for r in rows])
    return [{"subject": r["s"], "count": int(r["n"])} for r in rows]


@blueprint.route("/id/<path:rest>")
def entity_page(rest: str):
    return resource("id/" + rest)


@blueprint.route("/graph/<path:rest>")
def named_graph_page(rest: str):
    return resource("graph/" + rest)


@blueprint.route("/.well-known/genid/<path:rest>")
def skolem_page(rest: str):
    # the build's names for blank nodes (`kg.rdfio.skolemise`): described like any resource, 404 when unknown
    return resource(".well-known/genid/" + rest)


@blueprint.route("/describe")
def project_page():
    """An IRI of the project's namespaces, which its own server does not serve: described here, as any page of
    the service (``/describe?iri=…``); an IRI of the service itself is sent to its own address."""
    asked = request.args.getlist("iri")
    if len(asked) != 1 or not asked[0].strip():
        raise BadRequest("give one IRI to describe: /describe?iri=https://…", 400)
    iri = asked[0].strip()
    if len(iri) > MAX_IRI_LENGTH:
        raise BadRequest(f"the IRI is {len(iri):,} characters long; at most {MAX_IRI_LENGTH:,} are read", 400)
    iri_ref(iri)  # control characters, spaces, <>"{}|^` and backslashes: refused before it is echoed anywhere
    if iri.startswith(public_base()):
        return redirect(local_href(iri), 303)
    if not is_project_iri(iri):
        raise BadRequest(f"<{iri}> is not in a namespace of this service's project; only the project's IRIs are "
                         "described at /describe", 404)
    return dereference(URIRef(iri), describe_path(iri))


@blueprint.route("/catalog")
def catalog_page():
    # the dataset record's dcat:Catalog (`kg.metadata.CATALOG_IRI`), described like any resource
    return resource("catalog")


@blueprint.route("/dataset")
def dataset_page():
    # the protocol blueprint may answer /dataset first; this serves the description otherwise
    return resource(DATASET_IRI[len(public_base()):] if DATASET_IRI.startswith(public_base()) else "dataset")
