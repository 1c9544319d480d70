"""Where a file named to the gate really is: stage input's guard against symbolic links out of the checkout.

Owns `leads_outside`, which a changed file in a repository cannot get past to make the gate read (and quote
in its report) whatever a link points at. Reading the bytes is `kg.gate.bytes`'; the stage is `kg.validate`'s.
"""
from __future__ import annotations

import os
from pathlib import Path


def leads_outside(path: Path, roots: list[Path]) -> Path | None:
    """The real location of ``path`` when, by its name, it lies in one of ``roots`` (the working directory,
    the project) but a symbolic link on the way takes it outside all of them; else None."""
    named = Path(os.path.abspath(path))
    real = path.resolve()
    if named == real:
        return None
    lexical = [Path(os.path.abspath(root)) for root in roots]
    physical = [root.resolve() for root in lexical]
    if not any(named.is_relative_to(root) for root in lexical + physical):
        return None  # a file named outside the tree is the caller's own choice, link or not
    return None if any(real.is_relative_to(root) for root in physical) else real
