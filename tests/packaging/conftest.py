"""Fixtures for the packaging tests: the built wheel and sdist, an offline wheelhouse, a fresh venv.

Everything is built once per test session, from this checkout, with `python -m build`; installs use
only the wheelhouse (`wheelhouse.py`), so the tests need no package index.
"""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wheelhouse import make_wheelhouse, offline_pip_env  # noqa: E402  (tests/ is not a package)

CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Dists:
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class Installed:
    """A fresh venv with the ECO-KG wheel installed (not editable) and a scratch working folder."""
    venv: Path
    workdir: Path
    env: dict

    @property
    def ecokg(self) -> str:
        return str(self.venv / "bin" / "ecokg")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def run(self, *args: str, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=cwd or self.workdir, env=self.env, capture_output=True, text=True,
                              timeout=timeout)


@pytest.fixture(scope="session")
def dists(tmp_path_factory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(CHECKOUT)],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Dists(wheel, sdist)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    return make_wheelhouse(tmp_path_factory.mktemp("wheelhouse"), ["eco-kg", "setuptools"])


@pytest.fixture(scope="session")
def installed(tmp_path_factory, dists, wheelhouse) -> Installed:
    home = tmp_path_factory.mktemp("fresh")
    venv_dir = home / "venv"
    venv.EnvBuilder(with_pip=True).create(venv_dir)
    workdir = home / "work"
    workdir.mkdir()
    env = offline_pip_env(wheelhouse, os.environ)
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"), PATH=f"{venv_dir / 'bin'}:{os.environ['PATH']}")
    for key in ("VIRTUAL_ENV", "PYTHONPATH", "ECOKG_ROOT", "ECOKG_BUILD_DIR"):
        env.pop(key, None)
    target = Installed(venv_dir, workdir, env)
    completed = target.run(target.python, "-m", "pip", "install", "--quiet", str(dists.wheel))
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return target
