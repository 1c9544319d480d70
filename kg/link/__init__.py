"""Wikidata links: the reviewed mapping, the generated linkset, the gap report and reconciliation.

Owns seeds/links/ (the verified ID table, the mapping of our entities to Wikidata items, the list
of entities left unlinked on purpose, the generated linkset wikidata.ttl), what `ecokg link` does (its options
are `kg.commands.link`'s) and the Wikidata client that `kg.enrich` shares; each has its
module, and `__all__` names what other code imports from here. It does not build the dataset (`kg.build`), judge data beyond
link syntax (`kg.validate`) or answer federated queries (`kg.stores`).
"""
from __future__ import annotations

from .acceptance import accept
from .gaps import GapRow, gap_report
from .linkset import LINKSET_IRI, WIKIDATA_DATASET_IRI, linkset_is_current, linkset_path, linkset_turtle, write_linkset
from .reconciliation import Candidate, reconcile, write_review
from .tables import QID_PATTERN, LinkRecord, entity_register, load_id_table, load_mapping
from .wikidata import WIKIDATA_API, WikidataClient

__all__ = [
    "LinkRecord", "Candidate", "GapRow", "WikidataClient", "accept", "gap_report", "linkset_turtle",
    "load_mapping", "load_id_table", "reconcile", "write_linkset", "write_review",
    "LINKSET_IRI", "QID_PATTERN", "WIKIDATA_API", "WIKIDATA_DATASET_IRI", "entity_register", "linkset_is_current",
    "linkset_path",
]
