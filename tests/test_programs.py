"""One policy for a program the tests need and cannot find (`tests/programs.py`): outside CI the test skips
and says why; with CI=true it fails, so CI cannot pass by leaving tests out. Shown by running real tests of
the suite with a PATH that has neither Java nor Virtuoso on it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
#: a reasoner test (the marker needs Java) and a Virtuoso test (its fixture needs virtuoso-t and isql-vt)
NEEDING_PROGRAMS = [
    f"{TESTS / 'test_reasoner_graph.py'}::test_built_graph_is_consistent_with_no_unsatisfiable_class",
    f"{TESTS / 'bigstore' / 'test_remote_store.py'}::test_the_dumps_named_graphs_are_the_remote_dataset",
]


def run_without_programs(ci: bool, basetemp: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PATH"] = str(Path(sys.executable).parent)  # the venv's own commands only: no java, no virtuoso-t
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "--basetemp", str(basetemp),
               *NEEDING_PROGRAMS]
    return subprocess.run(command, cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("ci", [False, True], ids=["outside-ci", "ci"])
def test_a_missing_program_skips_with_its_reason_outside_ci_and_fails_in_ci(ci, tmp_path):
    completed = run_without_programs(ci, tmp_path / "inner")
    output = completed.stdout + completed.stderr
    assert "java is not installed (apt-get install default-jre-headless; ./run test installs it)" in output
    assert "virtuoso-t, isql-vt is not installed (apt-get install virtuoso-opensource" in output
    if ci:
        assert completed.returncode == 1, output
        assert "2 errors" in output, output  # each in its setup, before anything is started
    else:
        assert completed.returncode == 0, output
        assert "2 skipped" in output and "SKIPPED" in output, output
