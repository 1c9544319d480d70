"""Wall time of `ecokg validate` on one new claim in a researcher's project, start-up included, beside `ecokg --help`.

Owns the project (`ecokg init`, the fictional test source registered), the one-claim file quoting it, and the
timings: medians of --runs after a warm-up run that builds the packaged graph and the gate's cache, as a project's
first command does. Not part of the test suite: `.venv/bin/python benchmarks/bench_project.py [--runs 7]`."""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ECOKG = Path(sys.executable).parent / "ecokg"
TEXT = ROOT / "tests" / "fixtures" / "fictional-source" / "fictional-transit-remarks.txt"
NAMESPACE = "https://example.org/transit/"

CLAIM = f"""@prefix eco: <https://w3id.org/eco-kg/ontology/> .
@prefix ecoid: <https://w3id.org/eco-kg/id/> .
@prefix modality: <https://w3id.org/eco-kg/id/modality/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{NAMESPACE}id/claim/turkey-uses-tir-for-central-asia> a eco:FactualStatement ;
    rdfs:label "Turkey already uses the TIR system for transit to Central Asia"@en ;
    eco:holder ecoid:Turkey ;
    eco:modality modality:Existing ;
    eco:concernsMeasure ecoid:TIRSystem ;
    eco:concernsPlace ecoid:CentralAsia ;
    prov:wasDerivedFrom <{NAMESPACE}id/source/fictional-transit-remarks> ;
    eco:quote "Turkey already uses the TIR system for transit to Central Asia." .
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    completed = subprocess.run([str(ECOKG), *args], cwd=cwd, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"ecokg {' '.join(args)} exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}")
    return completed


def wall(args: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median and fastest wall time of ``ecokg ARGS`` in seconds (every run must exit 0)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run(args, cwd)
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def make_project(folder: Path) -> Path:
    shutil.copyfile(TEXT, folder / TEXT.name)
    run(["init", "transit", "--namespace", NAMESPACE, "--title", "Transit remarks (fictional)"], folder)
    project = folder / "transit"
    run(["source", "add", f"../{TEXT.name}", "--title", "Remarks at an imagined transit forum (fictional)",
         "--holder", "Turkey", "--speaker", "Alex Example", "--date", "2026-01-15", "--language", "en"], project)
    (project / "new-claim.ttl").write_text(CLAIM, encoding="utf-8")
    return project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per timing (median)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        project = make_project(Path(scratch))
        warm_up = time.perf_counter()
        run(["validate", "new-claim.ttl"], project)
        first = time.perf_counter() - warm_up
        rows = [("ecokg --help (baseline)", *wall(["--help"], project, args.runs)),
                ("ecokg validate new-claim.ttl (OWL 2 RL stage on)", *wall(["validate", "new-claim.ttl"], project, args.runs)),
                ("ecokg validate --no-owl new-claim.ttl", *wall(["validate", "--no-owl", "new-claim.ttl"], project,
                                                                args.runs))]
    baseline = rows[0][1]
    print(f"one new claim in a project, {args.runs} runs each, start-up included (first validate, which builds the "
          f"packaged graph and the gate's cache: {first:.2f} s)")
    print(f"{'command':<52} {'median':>8} {'fastest':>8} {'x --help':>9}")
    for name, median, fastest in rows:
        print(f"{name:<52} {median:>7.2f}s {fastest:>7.2f}s {median / baseline:>8.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
