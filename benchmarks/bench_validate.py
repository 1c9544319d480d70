"""Wall time of `ecokg validate` on a 100-triple change against the seed graph, start-up included.

Owns generating the change (entities and evidenced claims quoting the interview), timing the real
executable in a subprocess with and without the OWL stage, and two baselines measured in the same
run: `ecokg --help` (interpreter and import start-up) and a plain rdflib parse of the same file.
Not part of the test suite; run it by hand:

    .venv/bin/python benchmarks/bench_validate.py [--runs 3]
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ECOKG = Path(sys.executable).parent / "ecokg"
SOURCE_TEXT = ROOT / "seeds" / "iran-pakistan-eco-security-interview.txt"

HEADER = """@prefix eco:      <https://w3id.org/eco-kg/ontology/> .
@prefix ecoid:    <https://w3id.org/eco-kg/id/> .
@prefix claim:    <https://w3id.org/eco-kg/id/claim/> .
@prefix domain:   <https://w3id.org/eco-kg/id/domain/> .
@prefix modality: <https://w3id.org/eco-kg/id/modality/> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .

"""


def unique_sentences(text: str, count: int) -> list[str]:
    sentences = [s.strip() for line in text.splitlines() for s in re.split(r"(?<=[.!])\s+", line)
                 if 40 < len(s.strip()) < 200 and not s.strip().endswith("?")]
    return [s for s in sentences if text.count(s) == 1 and '"' not in s and "\\" not in s][:count]


def make_change(directory: Path) -> tuple[Path, int]:
    """A Turtle file of exactly 100 triples: 4 evidenced claims (7 each) and 18 places (4 each)."""
    text = SOURCE_TEXT.read_text(encoding="utf-8")
    parts = [HEADER]
    for index, quote in enumerate(unique_sentences(text, 4)):
        parts.append(f"""claim:bench-claim-{index} a eco:Assessment ;
    rdfs:label "Benchmark claim {index}"@en ;
    eco:holder ecoid:Pakistan ;
    eco:modality modality:Observed ;
    eco:forum ecoid:ECO ;
    eco:involves ecoid:Iran ;
    eco:quote "{quote}" .
""")
    for index in range(18):
        parts.append(f"""ecoid:BenchPlace{index} a eco:Region ;
    rdfs:label "Benchmark place {index}"@en ;
    eco:locatedIn ecoid:Pakistan ;
    eco:partOfPlace ecoid:SouthAsia .
""")
    path = directory / "change-100.ttl"
    path.write_text("\n".join(parts), encoding="utf-8")
    from rdflib import Graph

    return path, len(Graph().parse(path))


def wall(command: list[str], runs: int, expect: int | None = 0) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
        if expect is not None and result.returncode != expect:
            raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is shown)")
    args = parser.parse_args()
    subprocess.run([str(ECOKG), "build", "--quiet"], check=True, capture_output=True, cwd=ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        change, triples = make_change(Path(tmp))
        help_time = wall([str(ECOKG), "--help"], args.runs)
        parse_time = wall([sys.executable, "-c", f"import rdflib; rdflib.Graph().parse({str(change)!r})"], args.runs)
        fast = wall([str(ECOKG), "validate", "--no-owl", str(change)], args.runs)
        full = wall([str(ECOKG), "validate", str(change)], args.runs)
    rows = [
        ("baseline: ecokg --help (start-up)", help_time),
        ("baseline: rdflib parse of the change", parse_time),
        (f"ecokg validate --no-owl ({triples} triples)", fast),
        (f"ecokg validate, HermiT included ({triples} triples)", full),
    ]
    print(f"median of {args.runs} runs, wall time including interpreter start-up")
    for label, seconds in rows:
        print(f"  {label:<52} {seconds:6.2f} s")
    print(f"  ratio validate --no-owl / ecokg --help               {fast / help_time:6.1f}x")
    print(f"  ratio validate with OWL / ecokg --help               {full / help_time:6.1f}x")
    print(f"  target without OWL: <= 2.00 s  ->  {'met' if fast <= 2.0 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
