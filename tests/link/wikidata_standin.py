"""A stand-in for Wikidata on 127.0.0.1: the action API (wbsearchentities, wbgetentities) answering
recorded response shapes, and a SPARQL endpoint (GET/POST, SPARQL JSON results) over a small fixture
graph with Wikidata's IRIs. A path prefix picks a failure: /slow/… sleeps longer than clients wait,
/broken/… answers HTTP 500, /garbled/… answers HTML instead of JSON, /apierror/… answers an API error.
Every request is recorded in ``app.config["REQUESTS"]`` so tests can see what was asked.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from flask import Flask, Response, jsonify, request
from rdflib import Graph

DATA = Path(__file__).parent / "data"
#: how long /slow/ answers take; tests pass a smaller --timeout
SLOW_SECONDS = 3.0


def create_standin(fixture_graph: Path = DATA / "wikidata-standin.ttl") -> Flask:
    app = Flask("wikidata_standin")
    searches = json.loads((DATA / "wbsearchentities.json").read_text(encoding="utf-8"))
    entities = json.loads((DATA / "wbgetentities.json").read_text(encoding="utf-8"))["entities"]
    graph = Graph().parse(fixture_graph, format="turtle")
    lock = threading.Lock()
    app.config["REQUESTS"] = []

    def failure(mode: str):
        if mode == "slow":
            time.sleep(SLOW_SECONDS)
        if mode == "broken":
            return Response("Internal Server Error: backend unavailable", status=500, mimetype="text/plain")
        if mode == "garbled":
            return Response("<html><body>Please wait…</body></html>", status=200, mimetype="text/html")
        return None

    @app.route("/w/api.php", defaults={"mode": "ok"})
    @app.route("/<mode>/w/api.php")
    def api(mode):
        app.config["REQUESTS"].append(("api", mode, dict(request.args)))
        failed = failure(mode)
        if failed is not None:
            return failed
        if mode == "apierror":
            return jsonify({"error": {"code": "badvalue", "info": "Unrecognized value for parameter \"action\"."},
                            "servedby": "standin"})
        action = request.args.get("action")
        if action == "wbsearchentities":
            text = request.args.get("search", "")
            return jsonify({"searchinfo": {"search": text}, "search": searches.get(text, []), "success": 1})
        if action == "wbgetentities":
            ids = [i for i in request.args.get("ids", "").split("|") if i]
            found = {i: entities.get(i, {"id": i, "missing": ""}) for i in ids}
            return jsonify({"entities": found, "success": 1})
        return jsonify({"error": {"code": "badvalue", "info": f"Unrecognized value for parameter \"action\": {action}"}})

    @app.route("/sparql", methods=["GET", "POST"], defaults={"mode": "ok"})
    @app.route("/<mode>/sparql", methods=["GET", "POST"])
    def sparql(mode):
        query = request.values.get("query", "")
        app.config["REQUESTS"].append(("sparql", mode, query))
        failed = failure(mode)
        if failed is not None:
            return failed
        try:
            with lock:
                result = graph.query(query)
                body = result.serialize(format="json")
        except Exception as exc:  # a malformed query: Wikidata answers 400 with the parser's message
            return Response(f"MalformedQueryException: {exc}", status=400, mimetype="text/plain")
        return Response(body, mimetype="application/sparql-results+json")

    return app
