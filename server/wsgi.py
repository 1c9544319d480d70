"""The WSGI application for multi-process serving: ``gunicorn -w 2 server.wsgi:app``.

Owns building the app from ``ECOKG_*`` environment variables alone (as `ecokg serve` would from its
flags), for servers that import an application object. Several processes share one on-disk store
opened read-only: load it first with ``ecokg build --store-path DIR``, then start each process with
``ECOKG_STORE_PATH=DIR ECOKG_STORE_READ_ONLY=1``. Updates need the single-process `ecokg serve`.
"""
from __future__ import annotations

from kg.settings import Settings

from .app import create_app

app = create_app(Settings.from_env())
