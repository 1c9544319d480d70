"""Named queries and running SPARQL against the built dataset.

Owns finding a query by name in `queries/` (or by path), reading its header (title, question), running it on
the store the settings choose (`kg.stores.open_store`) and printing results as a table (`text_table`, the
command line's one table), CSV or JSON. It does not serve HTTP (`server`).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal

from .errors import QueryError
from .results import results_json
from .settings import Settings
from .terms import term_text


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    title: str
    question: str
    text: str


def parse_header(text: str) -> tuple[str, str]:
    """Title and question from the leading ``#`` comment lines (``# title: …``, ``# question: …``)."""
    title = question = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = re.match(r"#\s*(title|question)\s*:\s*(.*)", line, re.I)
        if match:
            if match.group(1).lower() == "title":
                title = match.group(2).strip()
            else:
                question = match.group(2).strip()
        elif question and line.startswith("#   "):
            question += " " + line[1:].strip()
    return title, question


def named_queries(settings: Settings | None = None) -> list[NamedQuery]:
    settings = settings or Settings()
    found = []
    for path in sorted(settings.queries_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        title, question = parse_header(text)
        found.append(NamedQuery(path.stem, path, title or path.stem, question, text))
    return found


def find_query(name_or_file: str, settings: Settings | None = None) -> NamedQuery:
    settings = settings or Settings()
    path = Path(name_or_file)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(f"not UTF-8: undecodable byte at offset {exc.start}", file=path) from None
        title, question = parse_header(text)
        return NamedQuery(path.stem, path, title or path.stem, question, text)
    for query in named_queries(settings):
        if query.name == name_or_file:
            return query
    names = ", ".join(q.name for q in named_queries(settings))
    raise QueryError(f"no named query or file {name_or_file!r}", term=name_or_file,
                     hint=f"use one of: {names}, or a path to a .rq file")


def run_query(text: str, settings: Settings | None = None, *, store=None, source: str = "<query>"):
    """Run a SPARQL query over the union of the dataset through the store (pyoxigraph by default).

    Returns a `kg.stores.QueryResult`. Syntax errors raise `QueryError` with line and column.
    """
    from .stores import open_store

    settings = settings or Settings()
    store = store if store is not None else open_store(settings)
    try:
        return store.query(text, timeout=settings.query_timeout)
    except QueryError as error:
        if error.file is None:
            error.file = source
        raise


def result_rows(result) -> tuple[list[str], list[list]]:
    """Column names and rows of a `QueryResult` (ASK: one boolean; graphs: one row per triple)."""
    if result.form == "ASK":
        return ["ask"], [[Literal(bool(result.boolean))]]
    if result.form in {"CONSTRUCT", "DESCRIBE"}:
        return ["subject", "predicate", "object"], [list(t) for t in sorted(result.graph)]
    return list(result.variables), [list(row) for row in result.rows]


def format_result(result, fmt: str = "table") -> str:
    """Format a `QueryResult` as an aligned text table, CSV, or SPARQL JSON (JSON-LD for graphs)."""
    if fmt == "json":
        if result.form in {"CONSTRUCT", "DESCRIBE"}:
            return result.graph.serialize(format="json-ld")
        return results_json(result, indent=2) + "\n"
    header, rows = result_rows(result)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([term_text(t, compact=False) for t in row])
        return buffer.getvalue()
    cells = [[term_text(t) for t in row] for row in rows]
    return text_table(header, cells) + (f"({len(cells)} row{'s' if len(cells) != 1 else ''}"
                                        f"{', truncated at the row limit' if getattr(result, 'truncated', False) else ''})\n")


def text_table(header: list[str], rows: list[list[str]], widest: int = 60) -> str:
    """The command line's one aligned table: a header, a rule, one line per row (a newline in a cell is a
    space), each column as wide as its widest value up to ``widest`` characters, longer ones cut with "…"."""
    widths = [min(widest, max([len(h)] + [len(r[i].replace("\n", " ")) for r in rows])) for i, h in enumerate(header)]

    def fit(value: str, width: int) -> str:
        value = value.replace("\n", " ")
        return value if len(value) <= width else value[: width - 1] + "…"

    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(fit(c, w).ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines) + "\n"


__all__ = ["NamedQuery", "named_queries", "find_query", "run_query", "format_result", "text_table", "parse_header",
           "term_text"]
