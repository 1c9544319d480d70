"""Comparing answers of two stores: rows as sets of strings, GROUP_CONCAT lists read as sets."""
from __future__ import annotations

import re

_GROUP_CONCAT = re.compile(r'GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?\?\w+\s*;\s*separator\s*=\s*"([^"]*)"\s*\)\s*AS\s*\?(\w+)',
                           re.I)


def rows_as_strings(result, query_text: str, boolean_columns: set[str] = frozenset()) -> set[tuple]:
    """The answer as a set of rows of strings. GROUP_CONCAT lists are sorted (their order is not defined);
    in ``boolean_columns`` Virtuoso's 1/0 is read as true/false."""
    separators = {name: sep for sep, name in _GROUP_CONCAT.findall(query_text)}
    rows = set()
    for row in result.rows:
        cells = []
        for variable, term in zip(result.variables, row):
            text = "" if term is None else str(term)
            if variable in separators and text:
                text = separators[variable].join(sorted(text.split(separators[variable])))
            if variable in boolean_columns:
                text = {"1": "true", "0": "false"}.get(text, text)
            cells.append(text)
        rows.add(tuple(cells))
    return rows
