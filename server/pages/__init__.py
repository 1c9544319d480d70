"""Pages for people, as one blueprint: the query page, Linked Data pages and the picture of the graph.

One module per family of pages — `query` (/), `resource` (/id/…, /graph/…, /dataset), `ontology`, `shapes`,
`graph` (/graph, /graph.svg), `nanopubs` (/np/…) — on the blueprint of `site`; negotiation is `negotiation`.
The SPARQL protocol is `server.protocol`, media types `server.formats`.
"""
from __future__ import annotations

from . import graph, nanopubs, ontology, query, resource, shapes  # noqa: F401  (each registers its routes)
from .highlight import Highlight, mark_up
from .query import query_page
from .site import blueprint

__all__ = ["blueprint", "query_page", "mark_up", "Highlight"]
