"""An offline wheelhouse for installing ECO-KG into fresh environments without a package index.

Each distribution the test venv already has installed (ECO-KG's runtime dependencies, their
dependencies, and setuptools for building from source) is packed back into a wheel from its
RECORD, with the tags its WHEEL file records. Tests then install with `PIP_NO_INDEX=1` and
`PIP_FIND_LINKS=<wheelhouse>`, so nothing leaves the machine.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def dependency_closure(roots: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``roots`` need at run time, with the extras their dependants ask for."""
    seen: dict[str, metadata.Distribution] = {}
    visited: set[tuple[str, str]] = set()
    pending = [(root, "") for root in roots]
    while pending:
        name, extra = pending.pop()
        name = canonicalize_name(name)
        if (name, extra) in visited:
            continue
        visited.add((name, extra))
        distribution = seen.setdefault(name, metadata.distribution(name))
        for text in distribution.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                if requirement.marker is not None and not extra and "extra" in str(requirement.marker):
                    continue
                pending.append((requirement.name, ""))
                pending += [(requirement.name, wanted) for wanted in requirement.extras]
    return list(seen.values())


def _record_line(name: str, data: bytes) -> list[str]:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def repack(distribution: metadata.Distribution, out_dir: Path) -> Path:
    """``distribution`` as a wheel in ``out_dir`` (scripts and files outside site-packages left out)."""
    info_dir = Path(str(distribution._path))  # the .dist-info folder
    site = info_dir.parent
    wheel_text = (info_dir / "WHEEL").read_text(encoding="utf-8") if (info_dir / "WHEEL").exists() else ""
    tags = re.findall(r"^Tag: (\S+)$", wheel_text, flags=re.M) or ["py3-none-any"]
    name = re.sub(r"[-_.]+", "_", distribution.metadata["Name"])
    version = distribution.version
    tag = next((tag for tag in tags if not tag.startswith("py2")), tags[0])
    target = out_dir / f"{name}-{version}-{tag}.whl"
    new_info = info_dir.name
    records = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in csv.reader(io.StringIO(distribution.read_text("RECORD") or "")):
            if not row or row[0].startswith("..") or row[0].startswith("/") or "__pycache__" in row[0]:
                continue
            path = site / row[0]
            if not path.is_file() or path.parent == info_dir and path.name in ("RECORD", "INSTALLER", "direct_url.json"):
                continue
            arcname = row[0]
            data = path.read_bytes()
            archive.writestr(arcname, data)
            records.append(_record_line(arcname, data))
        if not (info_dir / "WHEEL").exists():
            data = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
            archive.writestr(f"{new_info}/WHEEL", data)
            records.append(_record_line(f"{new_info}/WHEEL", data))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(records + [[f"{new_info}/RECORD", "", ""]])
        archive.writestr(f"{new_info}/RECORD", buffer.getvalue())
    return target


def make_wheelhouse(out_dir: Path, roots: list[str]) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    for distribution in dependency_closure(roots):
        if canonicalize_name(distribution.metadata["Name"]) == "eco-kg":
            continue  # ECO-KG itself comes from the wheel under test
        repack(distribution, out_dir)
    return out_dir


def offline_pip_env(wheelhouse: Path, environ: dict) -> dict:
    """``environ`` with pip told to use only ``wheelhouse``: no index, no other find-links, no constraints."""
    env = {key: value for key, value in environ.items() if not key.startswith("PIP_")}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse), PIP_CONSTRAINT="", PIP_CONFIG_FILE="/dev/null",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env
