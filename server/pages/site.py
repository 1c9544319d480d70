"""What every page shares: the blueprint, the store and settings, IRIs and local paths, and errors.

Owns the `pages` blueprint object, reading the store with the project's prefixes, turning an IRI under
the public base into a local link, and showing a person's bad input as a page (or plain text) with
its status, never a traceback. The pages themselves live in the sibling modules.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, g, render_template, request
from jinja2 import BytecodeCache
from rdflib.term import Node
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from kg.errors import EcoKGError
from kg.namespaces import sparql_prologue
from kg.settings import Settings
from server.errors import retry_after, status_for

_SERVER = Path(__file__).resolve().parent.parent
blueprint = Blueprint("pages", __name__, template_folder=str(_SERVER / "templates"),
                      static_folder=str(_SERVER / "static"), static_url_path="/pages-static")

#: characters that may not appear in an IRI written between < > in SPARQL
UNSAFE_IRI = re.compile(r'[<>"{}|^`\\\s\x00-\x1f]')
#: the IRIs a page may link to: anything else (javascript:, data:, vbscript:, urn: …) is shown as text
WEB_IRI = re.compile(r"^https?://", re.IGNORECASE)
STATUS_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 406: "Not acceptable",
                 500: "Server error", 503: "Service unavailable"}


class BadRequest(Exception):
    """Input a person sent that the pages cannot use; shown with its status, never a traceback."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def settings() -> Settings:
    return current_app.config.get("ECOKG_SETTINGS") or Settings()


def public_base() -> str:
    return settings().public_base


def store():
    return current_app.extensions["ecokg_store"]


#: the longest IRI /describe reads (a browser's address bar holds far less)
MAX_IRI_LENGTH = 2048


def iri_ref(iri: str) -> str:
    """``<iri>`` for a SPARQL text; refuses characters that could end the IRI early."""
    if UNSAFE_IRI.search(iri):
        raise BadRequest(f"not a usable IRI: {iri!r}", 404)
    return f"<{iri}>"


def run(sparql: str):
    """Run one of the pages' own queries (the project's prefixes declared)."""
    return store().query(sparql_prologue() + sparql, timeout=settings().query_timeout)


def select(sparql: str) -> list[dict[str, Node | None]]:
    result = run(sparql)
    names = [str(v).lstrip("?$") for v in result.variables]
    return [dict(zip(names, row)) for row in result.rows]


def values_clause(variable: str, iris) -> str:
    return f"VALUES ?{variable} {{ {' '.join(iri_ref(str(i)) for i in iris)} }}"


def linkable(iri: str) -> bool:
    """Whether ``iri`` may be a link: under the base, in the project's namespaces, or http(s)."""
    return iri.startswith(public_base()) or is_project_iri(iri) or bool(WEB_IRI.match(iri))


def local_href(iri: str) -> str:
    """Where a browser should go for ``iri``: the local path for IRIs under the base, the describe page for a
    project's IRIs, else the IRI when it is http(s), else nowhere ("#"): a stored ``javascript:`` IRI must not
    become a link a person can click."""
    base = public_base()
    if iri.startswith(base):
        return (request.script_root or "") + "/" + quote(iri[len(base):], safe="/:@!$&'()*+,;=-._~%")
    if is_project_iri(iri):
        return (request.script_root or "") + describe_path(iri)
    return iri if WEB_IRI.match(iri) else "#"


def is_project_iri(iri: str) -> bool:
    """Whether ``iri`` is in a namespace of the project this service serves (never true without one)."""
    project = settings().project
    return project is not None and project.owns(iri)


def describe_path(iri: str) -> str:
    """The local address of the page of a project's IRI."""
    return "/describe?" + urlencode({"iri": iri})


def iri_for_path(path: str) -> str:
    return public_base() + path.lstrip("/")


def problem(message: str, status: int) -> Response:
    """An error as a readable page for browsers, as plain text for everything else."""
    wants_html = (not request.accept_mimetypes
                  or request.accept_mimetypes.best_match(["text/html", "text/plain"]) == "text/html")
    if wants_html:
        body = render_template("error.html", status=status, title=STATUS_TITLES.get(status, "Error"), message=message)
        return Response(body, status=status, mimetype="text/html")
    return Response(message + "\n", status=status, mimetype="text/plain")


class _CompiledTemplates(BytecodeCache):
    """Compiled templates kept for the process, keyed by name and source checksum: a second app (a test, a
    reload) loads them instead of compiling them again."""

    def __init__(self):
        self._kept: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        kept = self._kept.get(bucket.key)
        if kept is not None:
            bucket.bytecode_from_string(kept)

    def dump_bytecode(self, bucket) -> None:
        self._kept[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def load_templates(app) -> None:
    """Compile every template now, at start, rather than in the first requests (from several threads at once)."""
    app.jinja_env.bytecode_cache = _COMPILED
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)


@blueprint.errorhandler(BadRequest)
def _bad_request(error: BadRequest):
    return problem(error.message, error.status)


@blueprint.app_errorhandler(NotFound)
@blueprint.app_errorhandler(MethodNotAllowed)
def _no_such_address(error: HTTPException):
    """An address no route serves (or a method it does not take): the site's own error page, which fits a
    phone and leads back, for a browser; plain text for a program. /sparql and /update answer their own."""
    if isinstance(error, MethodNotAllowed):
        response = problem(f"{request.method} is not accepted at {request.path}", 405)
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
        return response
    return problem(f"nothing is served at {request.path}", 404)


@blueprint.errorhandler(EcoKGError)
def _library_error(error: EcoKGError):
    response = problem(str(error), status_for(error))
    response.headers.update(retry_after(error))
    return response


@blueprint.app_context_processor
def _navigation():
    def nav_sources() -> list[dict]:
        """The source documents, for the navigation bar (none when the store cannot answer)."""
        if "ecokg_nav" not in g:
            try:
                rows = select("""SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?t }
                    VALUES ?t { eco:Interview eco:SourceDocument } } ORDER BY ?s""")
            except Exception:  # an error page must render even when the store is the problem
                rows = []
            root = request.script_root or ""
            g.ecokg_nav = [{"href": local_href(str(r["s"])), "path": local_href(str(r["s"]))[len(root):],
                            "name": "Interview" if len(rows) == 1 else str(r["s"]).rsplit("/", 1)[-1]} for r in rows]
        return g.ecokg_nav

    return {"nav_sources": nav_sources}
