"""The stores: one interface (`Store`), its backends, and `open_store`, which picks one from the settings.

Read in this order: `interface` (what every backend offers), `tokens` and `query_text` (reading SPARQL
before an engine sees it, in linear time), `service` (SERVICE performed by the server), `base` (the query gate every backend
shares), then the backends — `embedded` (pyoxigraph, the default, in memory or on disk),
`rdflib_store` (a reference), `remote` (any SPARQL 1.1 endpoint) — and the loaders: `bulk` (a group's
own RDF files, straight into pyoxigraph), `publish` (any store, through the Graph Store Protocol) and
`virtuoso` (Virtuoso's bulk loader).
"""
from __future__ import annotations

from ..errors import StoreError
from ..settings import Settings
from ..build import ensure_built
from ..metadata import dump_path
from .base import check_syntax
from .embedded import OxigraphStore, oxigraph_quad, oxigraph_term, rdflib_term
from .interface import (ForbiddenQuery, QueryResult, QuerySyntaxError, QueryTimeout, QueryTooLarge, ServerBusy,
                        ServiceFailure, ServiceTimeout, Store, UnsupportedTerm)
from .query_text import (QUERY_FORMS, analyse, refuse_engine_service, syntax_error, tokenize,
                         unescape_codepoints)
from .rdflib_store import RdflibStore
from .service import ServiceClient


def open_store(settings: Settings, dataset=None) -> Store:
    """Open the configured backend, loaded with the built dataset (built first if needed).

    ``settings.store`` chooses: "oxigraph" (default) or "rdflib". With ``dataset`` (an rdflib
    Dataset) that dataset is served instead of the dump in ``settings.build_dir``.
    """
    if settings.store == "remote":
        if not settings.remote_endpoint:
            raise StoreError("the remote store needs the SPARQL endpoint it should query", term="remote",
                             hint="give --remote-endpoint URL or ECOKG_REMOTE_ENDPOINT, e.g. http://127.0.0.1:8890/sparql")
        from .remote import RemoteStore

        return RemoteStore(settings, settings.remote_endpoint)
    try:
        if settings.store == "oxigraph":
            if dataset is not None:
                return OxigraphStore(settings, dataset=dataset)
            from .bulk import data_files, open_disk_store

            if settings.store_path is not None:
                opened, _reloaded = open_disk_store(settings, ensure_built(settings))
                return OxigraphStore(settings, opened=opened)
            return OxigraphStore(settings, nquads_path=ensure_built(settings), data_paths=data_files(settings))
        if settings.store == "rdflib":
            if dataset is None:
                from ..build import load_dataset

                dataset = load_dataset(settings)
            return RdflibStore(settings, dataset)
    except (OSError, SyntaxError, ValueError) as exc:
        raise StoreError(f"the {settings.store} store could not be loaded: {exc}",
                         file=dump_path(settings)) from None
    raise StoreError(f"unknown store backend {settings.store!r}", term=settings.store,
                     hint="use oxigraph, rdflib or remote (setting store, ECOKG_STORE, --store)")



__all__ = ["QueryResult", "Store", "open_store", "OxigraphStore", "RdflibStore", "ServiceClient",
           "QuerySyntaxError", "ForbiddenQuery", "QueryTimeout", "ServerBusy", "QueryTooLarge", "ServiceFailure",
           "ServiceTimeout", "check_syntax", "analyse", "tokenize", "syntax_error", "unescape_codepoints",
           "refuse_engine_service", "QUERY_FORMS", "UnsupportedTerm", "oxigraph_quad", "oxigraph_term",
           "rdflib_term"]
