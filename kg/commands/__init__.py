"""The `ecokg` sub-commands: each one's options (``configure_parser``) and entry function (``command``).

Owns the command-line surface of the library, one module per command or family of commands; `kg.cli`
dispatches to them, and the work is the library's, which returns what these modules print. This module
holds only the options several commands share, so that importing one command costs no other's imports.
"""
from __future__ import annotations

import argparse
from pathlib import Path


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """--data and --store-path, shared by `build` and `serve`."""
    parser.add_argument("--data", nargs="+", dest="data_files", metavar="FILE", type=Path,
                        help="bulk RDF files (N-Triples, N-Quads, Turtle, TriG; .gz) loaded beside the seeds, "
                             "each into its own named graph; every RDF file in data/ is loaded too")
    parser.add_argument("--store-path", dest="store_path", type=Path, metavar="DIR",
                        help="keep the store on disk in DIR (pyoxigraph): reopened without reloading when "
                             "nothing changed; accepted updates stored there durably")


__all__ = ["add_store_options"]
