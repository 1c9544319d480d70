"""The Flask application factory and `run_server`.

Owns assembling the app from its blueprints (`server.protocol`, `server.update`, `server.pages`), opening the
store once (replaying the update journal into it on every start), and `run_server`, which `ecokg serve`
(`server.cli`) calls. It calls `kg`; `kg` never calls it.
"""
from __future__ import annotations

from flask import Flask

from kg.settings import Settings


def create_app(settings: Settings | None = None, store=None) -> Flask:
    """Build the app. ``store`` (a `kg.stores.Store`) is opened from the built dataset when not given."""
    settings = settings or Settings()
    app = Flask(__name__)
    app.config["ECOKG_SETTINGS"] = settings
    opened_here = store is None  # only then does the build describe what is served (`caching.DatasetVersion`)
    if store is None:
        from kg.stores import open_store
        store = open_store(settings)
    app.extensions["ecokg_store"] = store
    if hasattr(store, "apply_change") and not settings.store_read_only:
        from kg import journal
        # on every start, updates on or off: what was acknowledged is served (a read-only store was written
        # by the process that accepted the changes)
        app.extensions["ecokg_replayed"] = journal.replay(store, journal.journal_path(settings))
    from . import caching, formats, headers, pages, protocol, update
    app.register_blueprint(protocol.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(update.blueprint)
    caching.install(app, opened_here=opened_here)  # after the journal's replay, which the version counts
    app.after_request(headers.secure)
    formats.load_writers()  # what the first requests need, loaded before they arrive together
    pages.site.load_templates(app)
    return app


def run_server(settings: Settings) -> None:
    """Build if needed, open the store and serve until interrupted (the `ecokg serve` command)."""
    from kg.errors import EcoKGError

    from . import caching, serving

    app = create_app(settings)
    replayed = app.extensions.get("ecokg_replayed")
    for line in replayed.report() if replayed is not None else []:
        print(line, flush=True)
    bracketed = f"[{settings.host}]" if ":" in settings.host else settings.host
    # more HTTP threads than query workers, so that when every worker is busy the server still answers
    # "busy" (503) at once instead of stalling; connections and their deadlines are `serving`'s
    threads = settings.server_threads or settings.query_workers + 8
    try:  # bind first, so "serving on" is printed only when it is true
        server, connections = serving.create(app, settings, threads)
    except OSError as error:
        raise EcoKGError(f"cannot listen on {bracketed}:{settings.port}: {error.strerror or error}",
                         hint="another program (perhaps another ecokg serve) uses that port; "
                              "stop it or choose another with --port N") from None
    print(f"ECO-KG serving on http://{bracketed}:{settings.port}/  (SPARQL: /sparql)", flush=True)
    if connections < settings.max_connections:
        print(f"at most {connections} connections at once (max_connections {settings.max_connections}): the "
              f"open-file limit allows no more; raise it (ulimit -n) to allow more", flush=True)
    caching.warm(app)  # the named queries into the result cache, while the first clients connect
    try:
        server.run()
    finally:
        server.close()
