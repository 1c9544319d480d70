"""Synthetic data in the project's ontology, at any size, for the scale benchmarks (not shipped as data).

Each copy renames every node of the interview's world under ``https://w3id.org/eco-kg/id/`` — states,
organisations, corridors, places, the source text, its paragraphs, claims, evidence with both
selectors, mentions — with a suffix (``…/id/Pakistan`` → ``…/id/Pakistan-c17``), and gives each
renamed entity its own labels ("Pakistan (17)"), so the copies have the shapes the real data has
(they pass the SHACL shapes) without colliding with it or with each other. The ontology terms stay
as they are (the copied entailments keep the superclass types). Copies are written as N-Quads, each
copy's graphs named after the copy, until the
requested number of triples is reached (whole copies: a little more than asked).

Usage: .venv/bin/python benchmarks/synthetic.py TRIPLES OUT.nq[.gz]
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ID = "https://w3id.org/eco-kg/id/"
#: the build names blank nodes here (skolem IRIs): each copy needs its own, or copies would share selectors
GENID = "https://w3id.org/eco-kg/.well-known/genid/"
GRAPH = "https://w3id.org/eco-kg/graph/"
LABELS = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
          "http://www.w3.org/2004/02/skos/core#altLabel", "http://xmlns.com/foaf/0.1/name"}
#: graphs whose content is copied (the ontology, metadata and links are not: they describe the real data)
COPIED = (GRAPH + "entities", GRAPH + "background", GRAPH + "source/iran-pakistan-eco-security-interview",
          GRAPH + "inferred")


def _world(dump: Path):
    import pyoxigraph as ox

    # read with the parser, not a store: pyoxigraph's store turns derived integer types into xsd:integer
    quads = list(ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS))
    return [q for name in COPIED for q in quads
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == name]


def copies(world, count_wanted: int):
    """Quads of whole renamed copies of ``world``, as many as it takes to make at least ``count_wanted``."""
    import pyoxigraph as ox

    # only the nodes the data describes are copied; concepts of the ontology's schemes (domains,
    # modalities, qualifiers, also under id/) stay shared, as a group's own data would share them
    shared = tuple(ID + scheme for scheme in ("domain/", "modality/", "qualifier/"))
    described = {q.subject.value for q in world if isinstance(q.subject, ox.NamedNode)
                 and not q.graph_name.value.endswith("/inferred") and not q.subject.value.startswith(shared)}

    def rename(term, n):
        if isinstance(term, ox.NamedNode) and term.value.startswith((ID, GENID)) and term.value in described:
            return ox.NamedNode(f"{term.value}-c{n}")
        if isinstance(term, ox.BlankNode):
            return ox.BlankNode(f"{term.value}c{n}")
        return term

    made = 0
    n = 0
    while made < count_wanted:
        n += 1
        for quad in world:
            obj = quad.object
            if quad.predicate.value in LABELS and isinstance(obj, ox.Literal) and quad.subject.value in described:
                obj = ox.Literal(f"{obj.value} ({n})", language=obj.language) if obj.language else \
                    ox.Literal(f"{obj.value} ({n})", datatype=obj.datatype)
            graph = ox.NamedNode(f"{quad.graph_name.value}/copy-{n}")
            yield ox.Quad(rename(quad.subject, n), quad.predicate, rename(obj, n), graph)
            made += 1


def generate(count_wanted: int, out: Path, dump: Path | None = None) -> int:
    """Write ``count_wanted`` synthetic quads to ``out`` (N-Quads, gzip when it ends in .gz); the count."""
    import pyoxigraph as ox

    from kg.build import ensure_built
    from kg.settings import Settings

    world = _world(dump or ensure_built(Settings()))
    opener = gzip.open if out.suffix == ".gz" else open
    written = 0
    with opener(out, "wb") as sink:
        batch = []
        for quad in copies(world, count_wanted):
            batch.append(quad)
            if len(batch) >= 50_000:
                sink.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))
                written += len(batch)
                batch = []
        if batch:
            sink.write(ox.serialize(batch, format=ox.RdfFormat.N_QUADS))
            written += len(batch)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(f"wrote {generate(int(sys.argv[1].replace('_', '')), Path(sys.argv[2])):,} quads to {sys.argv[2]}")
