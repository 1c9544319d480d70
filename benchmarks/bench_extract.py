"""How well and how fast `ecokg extract` drafts the interview's claims, printed in one run.

Owns the figures the README quotes: the draft scored against the curated claims (`--evaluate`), and the wall time
of `ecokg extract` beside `ecokg --help`'s (medians of --runs). Not part of the test suite; run it by hand:
    .venv/bin/python benchmarks/bench_extract.py [--runs 5] [--json]"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ECOKG = Path(sys.executable).parent / "ecokg"
SLUG = "iran-pakistan-eco-security-interview"


def wall(args: list[str], runs: int) -> float:
    """Median wall time of ``ecokg ARGS`` in seconds (every run must exit 0)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(ECOKG), *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    scores = json.loads(subprocess.run([str(ECOKG), "extract", SLUG, "--evaluate", "--format", "json"], check=True,
                                       capture_output=True, text=True).stdout)
    with tempfile.TemporaryDirectory() as folder:
        draft = Path(folder) / "draft.ttl"
        wall(["--help"], 1)  # warm the file cache for both
        help_seconds = wall(["--help"], args.runs)
        extract_seconds = wall(["extract", SLUG, "--output", str(draft)], args.runs)
        claims = len(re.findall(r"^\S+ eco:curationStatus eco:Draft \.$", draft.read_text(encoding="utf-8"),
                                re.MULTILINE))
    figures = {"evaluation": scores, "seconds": {"ecokg --help": round(help_seconds, 3),
                                                  f"ecokg extract {SLUG}": round(extract_seconds, 3)},
               "drafted_claims": claims, "runs": args.runs}
    if args.json:
        print(json.dumps(figures, indent=2, sort_keys=True))
        return 0
    m, c, mo, k = scores["mentions"], scores["claims"], scores["modality"], scores["kind"]
    print(f"draft of {SLUG}: {claims} candidate claims, {m['drafted']} mentions")
    print(f"  mentions   precision {m['precision']:.3f}  recall {m['recall']:.3f}  (exact spans, against the "
          f"{m['curated']} the build annotates)")
    print(f"  claims     sentence recall {c['sentence_recall']:.3f}  ({c['with_candidate']} of {c['curated']} "
          "curated claims have a candidate on their evidence sentence)")
    print(f"  modality   agreement {mo['agreement']:.3f}  ({mo['same']} of {mo['compared']})")
    print(f"  kind       agreement {k['agreement']:.3f}  ({k['same']} of {k['compared']})")
    print(f"wall time, median of {args.runs} (start-up included):")
    print(f"  ecokg --help                    {help_seconds:.2f} s")
    print(f"  ecokg extract {SLUG}  {extract_seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
