"""The README's Python example and the query it shows run as written and answer 51 claims."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.mark.slow
def test_the_python_example_counts_every_claim(settings, built):
    snippet = [s for s in python_snippets() if "kg.run_query" in s][0]
    program = snippet + "\nprint(int(result.rows[0][0]))\n"
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         env=dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir)), cwd=README.parent)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "51"
