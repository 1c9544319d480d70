"""The nanopublications: /np/RA… (each claim's, by its trusty URI) and the whole set as a download.

Owns making the set from the build and the journal (again when either changes), choosing TriG,
N-Quads, JSON-LD or HTML for one of them, and sending a claim's former /np/<claim> IRI on to its trusty
one. What a nanopublication holds, its trusty URI and its signature are `kg.export`'s and `kg.trusty`'s.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from flask import Response, current_app, redirect, render_template, request
from rdflib import Dataset

from kg.export import (NANOPUB_BASE, NANOPUBS_FILE, claim_nanopublications, combined_trig, nanopub_iri,
                       source_graph_prefixes, with_accepted_updates)
from kg.journal import journal_path
from kg.metadata import dump_path
from kg.namespaces import CLAIM, ONTOLOGY_GRAPH, PREFIXES
from server import formats

from . import negotiation
from .site import BadRequest, blueprint, local_href, settings

#: where the set is kept in ``app.extensions``; an accepted update removes it (`server.update`)
EXTENSION = "ecokg_nanopubs"
#: a trusty URI's last segment: RA and 43 base64url characters
ARTEFACT = re.compile(r"RA[A-Za-z0-9_-]{43}")
#: a nanopublication is four named graphs: only formats that keep graphs, and the page for people
OFFERED = {key: formats.BY_KEY[key].media_type for key in ("trig", "nquads", "jsonld")}
#: the file forms nanopublication servers use (``<np>.trig``), which nanopub-py fetches
EXTENSIONS = {formats.BY_KEY[key].extension: key for key in OFFERED}
_building = threading.Lock()


@dataclass(frozen=True)
class NanopubSet:
    made_from: tuple  # the dump's and the journal's size and time when they were read (`_inputs`)
    by_code: dict[str, Dataset]
    code_of_claim: dict[str, str]
    trig: str
    #: each nanopublication written once per format: (code, format key) -> text
    written: dict = field(default_factory=dict)


def _served_dataset() -> Dataset:
    """The built dump as rdflib reads it, with the journal's accepted updates: what `ecokg export --nanopub`
    reads, so a claim's nanopublication has the same trusty URI here and in the exported file."""
    dump = dump_path(settings())
    if not dump.is_file():
        raise BadRequest("the nanopublications are made from the built dump, which is missing; run `ecokg build`", 404)
    sources = "|".join(re.escape(prefix) for prefix in source_graph_prefixes(settings().project))
    wanted = re.compile(rf"<(?:{re.escape(str(ONTOLOGY_GRAPH))}|(?:{sources})[^>]*)> \.\s*$")
    with dump.open(encoding="utf-8") as lines:  # only the graphs claims come from: a dump can be large
        text = "".join(line for line in lines if wanted.search(line))
    dataset = Dataset()
    dataset.parse(data=text, format="nquads")
    return with_accepted_updates(dataset, settings())


def _inputs() -> tuple:
    """What the set is made from, as the file system tells it: an update journalled by this process or by
    another one over the same journal, or a new build, makes a new set."""
    states = []
    for path in (dump_path(settings()), journal_path(settings())):
        try:
            status = path.stat() if path is not None else None
        except OSError:
            status = None
        states.append((status.st_size, status.st_mtime_ns) if status is not None else None)
    return tuple(states)


def nanopub_set() -> NanopubSet:
    found = current_app.extensions.get(EXTENSION)
    if found is None or found.made_from != _inputs():
        with _building:  # requests arriving together make it once
            found = current_app.extensions.get(EXTENSION)
            inputs = _inputs()  # read before the files: a change while making the set makes it again next time
            if found is None or found.made_from != inputs:
                made = claim_nanopublications(_served_dataset(), project=settings().project)
                codes = {claim: str(nanopub_iri(n)).rsplit("/", 1)[1] for claim, n in made}
                found = NanopubSet(made_from=inputs, by_code={codes[claim]: n for claim, n in made},
                                   code_of_claim={str(c)[len(str(CLAIM)):]: code for c, code in codes.items()
                                                  if str(c).startswith(str(CLAIM))},
                                   trig=combined_trig(made))
                current_app.extensions[EXTENSION] = found
    return found


def _choose(asked: str | None) -> str:
    try:
        chosen = formats.negotiate(request.accept_mimetypes, "nanopub", asked)
    except formats.UnknownFormat:
        raise BadRequest(f"a nanopublication is four named graphs; format {asked!r} cannot keep them: "
                         f"use one of html, {', '.join(OFFERED)}", 406) from None
    return chosen.key


def _rdf(nanopub: Dataset, key: str) -> str:
    copy = Dataset()
    for prefix, namespace in PREFIXES.items():
        copy.bind(prefix, namespace)
    for prefix, namespace in nanopub.namespaces():
        copy.bind(prefix, namespace, override=True)
    for quad in nanopub.quads((None, None, None, None)):
        copy.add(quad)
    return formats.serialize_dataset(copy, formats.BY_KEY[key])


def _answer(nanopub: Dataset, key: str, path: str, vary: bool) -> Response:
    written = nanopub_set().written
    code = str(nanopub_iri(nanopub)).rsplit("/", 1)[1]
    if key == negotiation.HTML:
        iri = nanopub_iri(nanopub)
        claims = sorted({str(o) for _s, p, o, _g in nanopub.quads((iri, None, None, None))
                         if str(p).endswith("/x/introduces")})
        body = render_template("nanopub.html", title=f"Nanopublication {str(iri).rsplit('/', 1)[1][:12]}…",
                               iri=str(iri), claims=[(c, local_href(c)) for c in claims], trig=_rdf(nanopub, "trig"),
                               alternates=[a for a in negotiation.alternates(path) if a["key"] in ("html", *OFFERED)])
        response = Response(body, mimetype="text/html")
    else:
        if (code, key) not in written:
            written[(code, key)] = _rdf(nanopub, key)
        response = Response(written[(code, key)], content_type=formats.content_type(OFFERED[key]))
    if vary:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = negotiation.format_url(path, key)
    return response


@blueprint.route("/np/<name>")
def nanopub_page(name: str):
    """A nanopublication by its trusty URI (``<code>``, or ``<code>.trig|.nq|.jsonld`` as a file), or a
    claim's former nanopublication IRI (``/np/<claim>``), sent on to the trusty one."""
    code, _dot, extension = name.partition(".")
    found = nanopub_set()
    if ARTEFACT.fullmatch(code):
        nanopub = found.by_code.get(code)
        if nanopub is None:
            raise BadRequest(f"no nanopublication {code} in this dataset (trusty URIs change with what they hold)", 404)
        if extension:
            if extension not in EXTENSIONS:
                raise BadRequest(f"no file form .{extension}; use .{', .'.join(EXTENSIONS)}", 404)
            return _answer(nanopub, EXTENSIONS[extension], request.path, vary=False)
        return _answer(nanopub, _choose(request.args.get("format")), request.path, vary=True)
    if not extension and name in found.code_of_claim:
        response = redirect(f"{request.script_root or ''}/np/{found.code_of_claim[name]}", 303)
        response.headers["Vary"] = "Accept"
        return response
    raise BadRequest(f"no nanopublication {name!r}: a nanopublication's IRI ends in its trusty code "
                     f"({NANOPUB_BASE}RA…); /download/{NANOPUBS_FILE} holds them all", 404)


@blueprint.route("/download/" + NANOPUBS_FILE)
def nanopubs_download():
    """Every claim's nanopublication in one TriG file (a static path: it wins over the dumps' /download/<name>)."""
    response = Response(nanopub_set().trig, content_type=formats.content_type(formats.TRIG))
    response.headers["Content-Disposition"] = f'inline; filename="{NANOPUBS_FILE}"'
    return response


__all__ = ["EXTENSION", "nanopub_set"]
