"""What an update would change, worked out on a scratch store: updates made only of INSERT DATA / DELETE DATA
read just the quads they name, and give the same change as running them on a full copy."""
from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from kg import updates
from kg.namespaces import GRAPH, ID

ENTITIES = f"<{GRAPH}entities>"
PAKISTAN = f"<{ID}Pakistan>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"

CASES = {
    "insert a new label": f'INSERT DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "Pakistan"@x-test }} }}',
    "insert what is stored": f'INSERT DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "Pakistan"@en }} }}',
    "delete what is stored": f'DELETE DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "Pakistan"@en }} }}',
    "delete what is not stored": f'DELETE DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "Nowhere"@en }} }}',
    "delete then insert the same": (f'DELETE DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "Pakistan"@en }} }} ;\n'
                                    f'INSERT DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "Pakistan"@en }} }}'),
    "insert then delete the same": (f'INSERT DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "Neu"@de }} }} ;\n'
                                    f'DELETE DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "Neu"@de }} }}'),
    "prefixes and a comment": ('PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>  # DELETE WHERE in a comment\n'
                               f'INSERT DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} rdfs:label "delete data"@x-q }} }}'),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_data_only_updates_change_what_a_full_copy_says(oxigraph_store, settings, monkeypatch, name):
    text = CASES[name]
    assert updates.data_only(text)
    stored = updates._Stored(oxigraph_store)
    fast = updates.preview(stored, text, settings)
    monkeypatch.setattr(updates, "data_only", lambda _text: False)
    full = updates.preview(stored, text, settings)
    assert sorted(map(str, fast[0])) == sorted(map(str, full[0]))
    assert sorted(map(str, fast[1])) == sorted(map(str, full[1]))


def test_the_expected_change(oxigraph_store, settings):
    stored = updates._Stored(oxigraph_store)
    added, removed = updates.preview(stored, CASES["delete what is stored"], settings)
    assert added == [] and removed == [(URIRef(f"{ID}Pakistan"), RDFS.label, Literal("Pakistan", lang="en"),
                                        URIRef(f"{GRAPH}entities"))]
    assert updates.preview(stored, CASES["delete then insert the same"], settings) == ([], [])
    assert updates.preview(stored, CASES["insert what is stored"], settings) == ([], [])


@pytest.mark.parametrize("text", [
    f"DELETE {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} ?l }} }} WHERE {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} ?l }} }}",
    f"DELETE WHERE {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} ?l }} }}",
    f"WITH {ENTITIES} INSERT {{ {PAKISTAN} {LABEL} 'x'@x-w }} WHERE {{}}",
    f"CLEAR GRAPH {ENTITIES}",
    f'INSERT DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} "x"@x-y }} }} ; DELETE WHERE {{ ?s {LABEL} "x"@x-y }}',
])
def test_updates_with_patterns_run_on_a_full_copy(text):
    assert not updates.data_only(text)


def test_the_fast_path_reads_no_more_than_the_named_quads(oxigraph_store, settings, monkeypatch):
    stored = updates._Stored(oxigraph_store)
    monkeypatch.setattr(stored, "copy", lambda: pytest.fail("a DATA-only update copied the whole store"))
    monkeypatch.setattr(stored, "everything", lambda: pytest.fail("a DATA-only update read every stored quad"))
    added, _removed = updates.preview(stored, CASES["insert a new label"], settings)
    assert len(added) == 1


def test_a_syntax_error_is_reported_where_the_writer_made_it(oxigraph_store, settings):
    text = f'DELETE DATA {{ GRAPH {ENTITIES} {{ {PAKISTAN} {LABEL} _:b }} }}'  # no blank nodes in DELETE DATA
    with pytest.raises(updates.UpdateSyntaxError) as caught:
        updates.preview(updates._Stored(oxigraph_store), text, settings)
    assert caught.value.line == 1


@pytest.mark.slow
def test_the_rdflib_backend_gives_the_same_change(oxigraph_store, rdflib_store, settings):
    for name in ("delete what is stored", "insert a new label", "delete then insert the same"):
        text = CASES[name]
        assert (updates.preview(updates._Stored(rdflib_store), text, settings)
                == updates.preview(updates._Stored(oxigraph_store), text, settings))
