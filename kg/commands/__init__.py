"""The `ecokg` sub-commands: each one's options (``configure_parser``) and entry function (``command``).

Owns the command-line surface of the library, one module per command or family of commands; `kg.cli`
dispatches to them, and the work is the library's, which returns what these modules print. This module
holds only the options several commands share, so that importing one command costs no other's imports.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def add_store_options(parser: argparse.ArgumentParser) -> None:
    """--data and --store-path, shared by `build` and `serve`."""
    parser.add_argument("--data", nargs="+", dest="data_files", metavar="FILE", type=Path,
                        help="bulk RDF files (N-Triples, N-Quads, Turtle, TriG; .gz) loaded beside the seeds, "
                             "each into its own named graph; every RDF file in data/ is loaded too")
    parser.add_argument("--store-path", dest="store_path", type=Path, metavar="DIR",
                        help="keep the store on disk in DIR (pyoxigraph): reopened without reloading when "
                             "nothing changed; accepted updates stored there durably")


class ProgressHandler(logging.Handler):
    """Shows the library's log records on standard error. Progress records (``extra={"progress": True}``,
    and ``"done"`` for the last of a run) rewrite one line on a terminal and are left out elsewhere, so that
    a log file or a pipe gets no stream of counts; any other record is a line of its own."""

    def __init__(self, stream=None):
        super().__init__(logging.INFO)
        self.stream = stream
        self._open_line = False

    def emit(self, record: logging.LogRecord) -> None:
        stream = self.stream or sys.stderr
        progress = getattr(record, "progress", None)
        try:
            if progress is not None:
                if stream.isatty():
                    end = "\n" if progress == "done" else ""
                    stream.write("\r" + record.getMessage() + " " * 8 + end)
                    stream.flush()
                    self._open_line = not end
                return
            text = record.getMessage()
            stream.write(("\n" if self._open_line else "") + text + "\n")
            self._open_line = False
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr: the work goes on without its report
            pass


def show_library_reports() -> None:
    """Send the library's progress and warnings (logger ``kg``) to standard error through one
    `ProgressHandler`, once per process."""
    logger = logging.getLogger("kg")
    if not any(isinstance(handler, ProgressHandler) for handler in logger.handlers):
        logger.addHandler(ProgressHandler())
        logger.setLevel(logging.INFO)
        logger.propagate = False


__all__ = ["add_store_options", "ProgressHandler", "show_library_reports"]
