"""The command line prints every table one way: `ecokg query`'s results and `ecokg link --report`'s gaps."""
from __future__ import annotations

from rdflib import Literal, URIRef

from kg.link.gaps import format_rows
from kg.query import format_result
from kg.stores import QueryResult


def test_a_cell_holding_a_newline_keeps_the_gap_table_one_line_per_row():
    table = format_rows([{"entity": "ecoid:Quetta", "label": "Quetta\nthe city"}], ["entity", "label"], "table")
    lines = table.splitlines()
    assert len(lines) == 3
    assert lines[2] == "ecoid:Quetta | Quetta the city"


def test_query_results_and_gaps_are_aligned_alike():
    result = QueryResult(form="SELECT", variables=["entity", "label"],
                         rows=[[URIRef("https://example.org/x"), Literal("X")]])
    query_lines = format_result(result).splitlines()
    gap_lines = format_rows([{"entity": "https://example.org/x", "label": "X"}], ["entity", "label"], "table").splitlines()
    assert query_lines[:3] == gap_lines[:3]
