"""What the packaging tests build once per test session for every xdist worker: the wheel and sdist, the offline
wheelhouse and the venv the wheel is installed into. Workers are separate processes, so the first one to need a
thing makes it in the session's shared temporary folder under a file lock and the others wait for it and read it.
The wheel and the venv are keyed by the content of the checkout, so a tree edited during the session gets its own.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

#: never part of a build: the checkout's own environment, caches and earlier build output
SKIPPED = {".git", ".venv", "__pycache__", ".pytest_cache", "build", "dist", "out", ".ipynb_checkpoints"}


def session_folder(tmp_path_factory) -> Path:
    """The temporary folder every xdist worker of this session shares (this run's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def tree_key(checkout: Path) -> str:
    """A digest of every file under ``checkout`` that a build can pick up (names, link targets and bytes)."""
    digest = hashlib.sha256()
    for folder, subfolders, files in os.walk(checkout):
        subfolders[:] = sorted(name for name in subfolders
                               if name not in SKIPPED and not name.endswith(".egg-info"))
        for name in sorted(files):
            path = Path(folder, name)
            digest.update(str(path.relative_to(checkout)).encode() + b"\0")
            try:
                if path.is_symlink():
                    digest.update(os.readlink(path).encode())
                elif path.is_file():  # not a pipe or socket, which could block or fail
                    digest.update(path.read_bytes())
            except OSError:  # removed while walking: its name alone changes the key
                pass
            digest.update(b"\0")
    return digest.hexdigest()[:16]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def made_once(folder: Path, make: Callable[[Path], None]) -> Path:
    """``folder`` as ``make`` fills it, made by the first process to ask; a failed attempt is made again by the next."""
    done = folder / ".complete"
    with _locked(folder.with_name(folder.name + ".lock")):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            make(folder)
            done.touch()
    return folder
