"""Fixtures for the packaging tests: the built wheel and sdist, an offline wheelhouse, a fresh venv.

Everything is built once per test session, from this checkout, with `python -m build`, and shared by the
xdist workers (`build_once.py`); installs use only the wheelhouse (`wheelhouse.py`), so the tests need no package
index. Each worker runs the shared venv's commands with its own home, cache and working folder.
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
from build_once import made_once, session_folder, tree_key  # noqa: E402  (tests/ is not a package)
from wheelhouse import make_wheelhouse, offline_pip_env  # noqa: E402

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
def checkout_key() -> str:
    return tree_key(CHECKOUT)


@pytest.fixture(scope="session")
def dists(tmp_path_factory, checkout_key) -> Dists:
    def build(out: Path) -> None:
        completed = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                                    str(CHECKOUT)], capture_output=True, text=True, timeout=600)
        assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    out = made_once(session_folder(tmp_path_factory) / f"dist-{checkout_key}", build)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Dists(wheel, sdist)


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    return made_once(session_folder(tmp_path_factory) / "wheelhouse",
                     lambda out: make_wheelhouse(out, ["eco-kg", "setuptools"]))


def _env(home: Path, venv_dir: Path, wheelhouse: Path) -> dict:
    env = offline_pip_env(wheelhouse, os.environ)
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"), PATH=f"{venv_dir / 'bin'}:{os.environ['PATH']}")
    for key in ("VIRTUAL_ENV", "PYTHONPATH", "ECOKG_ROOT", "ECOKG_BUILD_DIR"):
        env.pop(key, None)
    return env


@pytest.fixture(scope="session")
def installed(tmp_path_factory, dists, wheelhouse, checkout_key) -> Installed:
    def install(home: Path) -> None:
        venv_dir = home / "venv"
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        completed = subprocess.run([str(venv_dir / "bin" / "python"), "-m", "pip", "install", "--quiet",
                                    str(dists.wheel)], cwd=home, env=_env(home, venv_dir, wheelhouse),
                                   capture_output=True, text=True, timeout=300)
        assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    # the venv is only read once installed; what the commands write goes to this worker's own home
    venv_dir = made_once(session_folder(tmp_path_factory) / f"installed-{checkout_key}", install) / "venv"
    home = tmp_path_factory.mktemp("fresh")
    workdir = home / "work"
    workdir.mkdir()
    return Installed(venv_dir, workdir, _env(home, venv_dir, wheelhouse))
