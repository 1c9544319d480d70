"""Pages for people, as one blueprint: the query page, Linked Data pages and the picture of the graph.

Each module owns one family of pages — `query` (/), `resource` (/id/…, /graph/…, /dataset, with
`describe`, `evidence`, `source` and `highlight` behind it), `ontology`, `shapes` and `graph` (/graph,
/graph.svg) — on the blueprint of `site`; content negotiation is `negotiation`. Pages read data only
through the store's `query`; the SPARQL protocol is `server.protocol`, media types `server.formats`.
"""
from __future__ import annotations

from . import graph, ontology, query, resource, shapes  # noqa: F401  (each registers its routes)
from .highlight import Highlight, mark_up
from .query import query_page
from .site import blueprint

__all__ = ["blueprint", "query_page", "mark_up", "Highlight"]
