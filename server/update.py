"""The SPARQL 1.1 Protocol update operation: `POST /update`, off unless enabled with a bearer token.

Owns the update request (body or form, token check), the refusals made before anything runs (LOAD,
SERVICE, relative IRIs), running `kg.updates.work_out_change` (the scratch store and the gate) in a
sandboxed child, journalling an accepted change and applying it to the store in one step.
"""
from __future__ import annotations

import hmac
import re
import threading
import time

from flask import Blueprint, Response, current_app, request

from kg.errors import EcoKGError
from kg.gate.report import format_json, format_text
from kg.namespaces import PREFIXES
from kg.settings import Settings
from kg import journal, sandbox
from kg.errors import StoreError
from kg.updates import UpdateRefused, UpdateSyntaxError, work_out_change  # noqa: F401 (UpdateSyntaxError: re-exported)
from kg.stores import (QueryTimeout, QueryTooLarge, QUERY_FORMS, analyse, refuse_engine_service, tokenize,
                      unescape_codepoints)

from .protocol import ProtocolError, install_error_handlers, read_operation, text_response

blueprint = Blueprint("update", __name__)

UPDATE_TYPE = "application/sparql-update"
#: an IRI with a scheme: anything else in an update would be resolved against a base the writer never saw
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
#: shortest update token accepted (a guessable token guards nothing)
MIN_TOKEN_LENGTH = 32
ENABLE_HINT = "ECOKG_UPDATE_TOKEN=… ecokg serve --enable-update"
#: app.config key: run the OWL stage of the gate on updates (default: on unless the setting no_owl is true)
OWL_CONFIG = "ECOKG_UPDATE_OWL"


# --------------------------------------------------------------------------------------- errors

class UpdateConfigError(EcoKGError):
    """The server is told to accept updates but not given the token that guards them."""


class UpdateUnauthorized(Exception):
    """No bearer token, or not the right one."""


class UpdateRejected(Exception):
    """The validation gate refused the change; carries its report."""

    def __init__(self, report):
        super().__init__(report.summary())
        self.report = report


# --------------------------------------------------------------------------------------- start-up check

def check_settings(settings: Settings) -> None:
    """Refuse to start with updates enabled but no token (exit code 2 from `ecokg serve`)."""
    if not settings.update_enabled:
        return
    if settings.store_read_only:
        raise UpdateConfigError("SPARQL Update cannot change a store opened read-only", term="store_read_only",
                                hint="serve updates from one `ecokg serve --store-path DIR` process, or leave them off")
    token = (settings.update_token or "").strip()
    if not token:
        raise UpdateConfigError("SPARQL Update is enabled but no update token is set, so anyone could change "
                                "the graph", term="--enable-update",
                                hint="set ECOKG_UPDATE_TOKEN or give --update-token-file FILE, or leave updates off")
    if len(token) < MIN_TOKEN_LENGTH:
        raise UpdateConfigError(f"the update token has {len(token)} characters; at least {MIN_TOKEN_LENGTH} are "
                                "needed", term="ECOKG_UPDATE_TOKEN",
                                hint="make one with `openssl rand -hex 24` (48 characters)")


@blueprint.record_once
def _on_register(state) -> None:
    settings = state.app.config["ECOKG_SETTINGS"]
    check_settings(settings)
    state.app.extensions.setdefault("ecokg_update_lock", threading.Lock())
    if settings.update_enabled:
        warm_gate(settings)


def warm_gate(settings: Settings) -> None:
    """Load what the gate needs before any update arrives, so that each update's child inherits it:
    the ontology, shapes and known terms (`kg.gate.context.load_schema`), pySHACL and the OWL 2 RL engine."""
    from kg.gate.context import load_schema

    load_schema(settings)
    import pyshacl  # noqa: F401  (imported here, not in every child)
    import reasonable  # noqa: F401


# --------------------------------------------------------------------------------------- error responses

@blueprint.errorhandler(ProtocolError)
def _protocol_error(error: ProtocolError):
    return text_response(error.status, error.message, error.headers)


@blueprint.errorhandler(UpdateUnauthorized)
def _unauthorized(error: UpdateUnauthorized):
    return text_response(401, str(error), {"WWW-Authenticate": 'Bearer realm="ecokg-update"'})


@blueprint.errorhandler(UpdateRejected)
def _rejected(error: UpdateRejected):
    if _wants_json():
        return Response(format_json(error.report), status=422, content_type="application/json")
    text = "the update was rejected by the validation gate; nothing was changed\n" + format_text(error.report)
    return text_response(422, text)


install_error_handlers(blueprint, "internal error: the update service failed and changed nothing; "
                                  "the server log has the details")


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/plain", "application/json"]) == "application/json"


# --------------------------------------------------------------------------------------- the route

@blueprint.route("/update", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
                 provide_automatic_options=False)
def update():
    """The SPARQL 1.1 update operation: one update request, validated, applied as one transaction."""
    settings: Settings = current_app.config["ECOKG_SETTINGS"]
    if not settings.update_enabled:
        raise ProtocolError(403, "SPARQL Update is not enabled on this server. Start it with "
                                 f"`{ENABLE_HINT}` (or ECOKG_UPDATE_ENABLED=1 and ECOKG_UPDATE_TOKEN) "
                                 "and send the token as `Authorization: Bearer TOKEN`.")
    if request.method != "POST":
        raise ProtocolError(405, f"{request.method} is not allowed on /update; send updates with POST",
                            {"Allow": "POST"})
    _authorize(settings)
    if request.args.get("update") is not None:
        raise ProtocolError(400, "the update is in the URL; send it in the request body, as an "
                                 f"{UPDATE_TYPE} body or the update form field (SPARQL 1.1 Protocol §2.2)")
    updates, params = read_operation("update", UPDATE_TYPE)
    for name in ("using-graph-uri", "using-named-graph-uri"):
        if params.get(name):
            raise ProtocolError(400, f"the {name} parameter is not supported; name the graphs in the update "
                                     "itself, with USING / USING NAMED, WITH or GRAPH")
    if params.get("query"):
        raise ProtocolError(400, "a query was sent to /update; send queries to /sparql")
    if len(updates) != 1:
        raise ProtocolError(400, "no update: send it as an application/sparql-update body or as the update "
                                 "form field" if not updates else
                                 f"the update parameter is given {len(updates)} times; send one per request")
    text = unescape_codepoints(updates[0])
    if not text.strip():
        raise ProtocolError(400, "the update is empty")
    store = current_app.extensions["ecokg_store"]
    if not hasattr(store, "apply_change"):
        raise ProtocolError(501, f"the {store.name} store cannot be changed through /update; "
                                 "update it directly, or serve the embedded store")
    _refuse(text, settings)
    owl = current_app.config.get(OWL_CONFIG, not settings.no_owl)
    started = time.perf_counter()
    with current_app.extensions["ecokg_update_lock"]:  # one update at a time: each sees the last one's result
        try:
            # parsing, evaluation and the gate (HermiT included) run in a child without network access,
            # stopped for real at the time limit: a crash, a runaway or a memory blow-up costs that child
            outcome = sandbox.run_isolated(work_out_change, store, text, settings, owl,
                                           timeout=settings.update_timeout,
                                           memory_bytes=settings.update_memory_mb * 2**20)
        except sandbox.Late:
            raise QueryTimeout(f"the update was stopped after {settings.update_timeout:g} s (setting "
                               "update_timeout); nothing was changed") from None
        except sandbox.OutOfMemory:
            raise QueryTooLarge(f"the update needed more than {settings.update_memory_mb} MiB to check and was "
                                "stopped; nothing was changed", hint="send smaller updates") from None
        except sandbox.ChildFailed as error:
            raise StoreError(f"the update could not be checked ({error}); nothing was changed") from None
        if outcome.report is not None and not outcome.report.ok:
            raise UpdateRejected(outcome.report)
        if not outcome.added and not outcome.removed:
            return _summary([], [], time.perf_counter() - started, None, None)
        path = journal.journal_path(settings)
        if path is not None:
            _journal(path, text, outcome)  # durable before it is acknowledged
        store.apply_change(outcome.added, outcome.removed)
        current_app.extensions.pop("ecokg_graph_sizes", None)  # the service description's counts
        current_app.extensions.pop("ecokg_nanopubs", None)  # the claims' nanopublications (server.pages.nanopubs)
    where = (f"journalled in {path.name}; `ecokg journal fold` writes it into seeds/" if path is not None else
             f"in the on-disk store {settings.store_path}" if getattr(store, "on_disk", False) else None)
    return _summary(outcome.added, outcome.removed, time.perf_counter() - started, outcome.report, where)


def _journal(path, text: str, outcome) -> None:
    """Append the accepted change to the journal; when that fails, a 503 that keeps the server's paths to
    itself (the log has them) and nothing applied."""
    try:
        journal.append(path, text, outcome.added, outcome.removed)
    except (EcoKGError, OSError) as error:
        current_app.logger.error("the update journal %s cannot be written: %s", path, error)
        raise ProtocolError(503, "the update was accepted by the gate but could not be made durable on the server, "
                                 "so nothing was changed; try again later (the server's log says why)",
                            {"Retry-After": "30"}) from None


def _authorize(settings: Settings) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if not header:
        raise UpdateUnauthorized("an update needs the server's token: send `Authorization: Bearer TOKEN`")
    if scheme.lower() != "bearer" or not given.strip():
        raise UpdateUnauthorized("the Authorization header must be `Bearer TOKEN`")
    expected = (settings.update_token or "").encode("utf-8")
    if not expected or not hmac.compare_digest(given.strip().encode("utf-8"), expected):
        raise UpdateUnauthorized("the update token is not valid")


def _refuse(text: str, settings: Settings) -> None:
    """Refuse, before running anything, what an update may not do here."""
    if len(text) > settings.max_query_length:
        raise UpdateRefused(f"the update is {len(text):,} characters long; at most {settings.max_query_length:,} "
                            "are accepted (setting max_query_length)")
    shape = analyse(text, prefixes=PREFIXES, max_depth=settings.max_query_depth)
    if shape.form in QUERY_FORMS:
        raise UpdateRefused(f"this is a {shape.form} query, not an update; send queries to /sparql")
    for token in tokenize(text):
        if token.keyword == "LOAD":
            raise UpdateRefused("LOAD is refused: the server never fetches graphs from the web",
                                hint="send the triples themselves with INSERT DATA { GRAPH <…> { … } }")
    if shape.services:
        raise UpdateRefused("SERVICE is refused in an update: an update may only read this dataset",
                            term=shape.services[0].term)
    refuse_engine_service(text)  # also when escapes or comments would hide SERVICE or LOAD from the scan above
    if shape.base is None:
        for token in tokenize(text):
            if token.kind == "iri" and not _ABSOLUTE.match(token.text[1:-1]):
                raise UpdateRefused(f"the update uses the relative IRI {token.text}; write absolute IRIs, a "
                                    "prefixed name, or declare BASE <…> first", term=token.text)


def _summary(added: list[tuple], removed: list[tuple], seconds: float, report, persisted: str | None) -> Response:
    per_graph: dict[str, list[int]] = {}
    for index, quads in ((0, added), (1, removed)):
        for *_triple, g in quads:
            per_graph.setdefault(str(g), [0, 0])[index] += 1
    if _wants_json():
        import json

        body = {"ok": True, "added": len(added), "removed": len(removed), "seconds": round(seconds, 3),
                "persisted": persisted is not None if (added or removed) else None,
                "graphs": {g: {"added": a, "removed": r} for g, (a, r) in sorted(per_graph.items())},
                "stages": [{"name": s.name, "status": s.status} for s in report.stages] if report else []}
        return Response(json.dumps(body, indent=2) + "\n", status=200, content_type="application/json")
    if not added and not removed:
        return text_response(200, "ok: the update changed nothing")
    lines = [f"ok: {len(added)} triple(s) added, {len(removed)} removed in {seconds:.2f} s"]
    lines.append(f"  persisted: {persisted}" if persisted is not None else
                 "  NOT persisted: the journal is off (setting update_journal) and the store is in memory, so this "
                 "change is lost on restart")
    lines += [f"  <{g}>: +{a} -{r}" for g, (a, r) in sorted(per_graph.items())]
    if report is not None:
        lines.append("  gate: " + ", ".join(f"{s.name} {s.status}" for s in report.stages
                                            if s.status != "skipped" or s.note.startswith("turned off")))
    return text_response(200, "\n".join(lines))
