"""Writing into seeds/ so that nothing acknowledged is lost.

Owns the one-writer-at-a-time lock on the seeds folder (an fcntl lock on the folder itself, held by
every `ecokg add` from before it reads the stored graph until its file is in place) and replacing a
seed file atomically (a temporary file beside it, written, flushed to disk, given the old file's
mode, then renamed over it). Operating-system failures become `EcoKGError`s naming the path and
the reason (read-only folder, full disk). What is written is `kg.add`'s, and whether it may be, the gate's.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import EcoKGError

#: the mode of a seed file that did not exist before (the repository's files are rw-r--r--)
NEW_FILE_MODE = 0o644


def _os_error(action: str, path: Path, error: OSError) -> EcoKGError:
    reason = error.strerror or str(error)
    hints = {errno.ENOSPC: "free some disk space and run the command again",
             errno.EDQUOT: "free some disk space (quota) and run the command again",
             errno.EROFS: "the file system is mounted read-only; run the command where seeds/ can be written",
             errno.EACCES: "make the folder and the seed file writable for this user",
             errno.EPERM: "make the folder and the seed file writable for this user"}
    return EcoKGError(f"cannot {action}: {reason}; nothing was changed", file=path,
                      hint=hints.get(error.errno, "check the folder and run the command again"))


@contextlib.contextmanager
def seeds_locked(seeds_dir: Path) -> Iterator[None]:
    """Hold the exclusive lock on ``seeds_dir``: other writers wait until it is released."""
    try:
        descriptor = os.open(seeds_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:
        raise _os_error("open the seeds folder to lock it", seeds_dir, error) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def replace_atomically(target: Path, text: str) -> None:
    """Make ``target`` hold ``text``: readers see the old file or the new one, never a part of it.

    The old file's permission bits are kept. On any failure the temporary file is removed and
    ``target`` is as it was.
    """
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    except OSError as error:
        raise _os_error("read the seed file's mode", target, error) from None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise _os_error(f"create a file in {target.parent}", target, error) from None
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise _os_error("write the seed file", target, error) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
