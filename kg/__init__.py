"""ECO-KG: the knowledge graph of Iran–Pakistan security cooperation within ECO, as a library.

The public surface is `__all__`: build or load the dataset (an rdflib `Dataset` whose default graph
is the union of its named graphs), run named queries, and the settings and error types.

    >>> import kg
    >>> dataset = kg.load_dataset()
"""
from __future__ import annotations

from .build import BuildResult, build, build_dataset, load_dataset
from .errors import (
    BuildError, EcoKGError, EvidenceError, LinkError, QueryError, SeedParseError, StoreError, ValidationFailure,
)
from .namespaces import BASE, CLAIM, DOMAIN, ECO, ID, MODALITY, PREFIXES, SOURCE
from .query import NamedQuery, find_query, format_result, named_queries, run_query
from .settings import Settings
from .version import __version__


__all__ = [
    "BASE", "CLAIM", "DOMAIN", "ECO", "ID", "MODALITY", "PREFIXES", "SOURCE",
    "BuildError", "BuildResult", "EcoKGError", "EvidenceError", "LinkError", "NamedQuery", "QueryError",
    "SeedParseError", "Settings", "StoreError", "ValidationFailure",
    "build", "build_dataset", "find_query", "format_result", "load_dataset", "named_queries", "run_query",
    "__version__",
]
