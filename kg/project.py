"""A researcher's own project: its `ecokg.toml`, found upward from the working directory, and `ecokg init`.

Owns reading the project file (namespaces, title, licence, layout), finding it as git finds its folder, the
IRIs and named graphs a project mints, and the files `ecokg init` writes. What the build loads from a project
is `kg.build`'s; registering its sources is `kg.sources`'.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ProjectError
from .namespaces import BASE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PROJECT_FILE = "ecokg.toml"
#: SPDX identifiers a source's licence may be given as (each becomes https://spdx.org/licenses/<id>);
#: any other licence is given by its IRI
SPDX_LICENCES = (
    "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0",
    "CC-BY-3.0", "CC-BY-SA-3.0", "CC-BY-NC-3.0", "CC-BY-NC-SA-3.0", "CC-BY-ND-3.0", "CC-BY-NC-ND-3.0",
    "CC-BY-2.0", "CC-BY-SA-2.0", "CC-PDDC", "PDDL-1.0", "ODbL-1.0", "ODC-By-1.0", "OGL-UK-3.0", "OGL-Canada-2.0",
    "etalab-2.0", "DL-DE-BY-2.0", "DL-DE-ZERO-2.0", "GFDL-1.3-or-later", "MIT", "Apache-2.0", "Unlicense",
)
SPDX_BASE = "https://spdx.org/licenses/"
_LICENCE_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
#: the folders of a project, by role, and their default names
DEFAULT_LAYOUT = {"sources": "sources", "claims": "claims", "entities": "entities", "background": "background"}
_NAMESPACE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+[/#]$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Project:
    """One project folder: where its files are and which IRIs it may mint."""

    root: Path
    namespaces: tuple[str, ...]
    title: str = ""
    licence: str = ""
    layout: tuple[tuple[str, str], ...] = tuple(DEFAULT_LAYOUT.items())
    #: files the build leaves out: those under validation, which the gate compares with the rest
    excluded: frozenset = field(default_factory=frozenset)
    #: curation defaults per source slug, from the project file's [sources.<slug>] tables (e.g. holder)
    source_defaults: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    @property
    def namespace(self) -> str:
        return self.namespaces[0]

    @property
    def file(self) -> Path:
        return self.root / PROJECT_FILE

    def folder(self, role: str) -> Path:
        return self.root / dict(self.layout)[role]

    @property
    def sources_dir(self) -> Path:
        return self.folder("sources")

    @property
    def claims_dir(self) -> Path:
        return self.folder("claims")

    @property
    def entities_dir(self) -> Path:
        return self.folder("entities")

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def iri(self, local: str) -> str:
        return f"{self.namespace}id/{local}"

    def source_iri(self, slug: str) -> str:
        return f"{self.namespace}id/source/{slug}"

    def source_graph(self, slug: str) -> str:
        """The named graph of one of the project's sources: its record, its claims and their evidence."""
        return f"{self.namespace}graph/source/{slug}"

    def graph(self, name: str) -> str:
        return f"{self.namespace}graph/{name}"

    def owns(self, iri: str) -> bool:
        """Whether ``iri`` is in one of the project's namespaces (where it may mint new subjects)."""
        return any(iri.startswith(ns) and len(iri) > len(ns) for ns in self.namespaces)

    def defaults_for(self, slug: str) -> dict[str, str]:
        return dict(dict(self.source_defaults).get(slug, ()))

    def without(self, paths) -> "Project":
        """The same project with ``paths`` left out of what the build loads."""
        return replace(self, excluded=self.excluded | {Path(p).resolve() for p in paths})

    def _listed(self, role: str, pattern: str) -> list[Path]:
        return sorted(p for p in self.folder(role).glob(pattern) if p.resolve() not in self.excluded)

    def files(self) -> dict[str, list[Path]]:
        """The project's input files by role (sorted, so builds are reproducible); texts under "project-texts".
        The claims of a source whose record is left out are left out with it: they cannot be read without it."""
        records = self._listed("sources", "*.ttl")
        left_out = {p.stem for p in self.sources_dir.glob("*.ttl")} - {p.stem for p in records}
        return {"project-entities": self._listed("entities", "*.ttl"),
                "project-background": self._listed("background", "*.ttl"),
                "project-sources": records,
                "project-claims": [p for p in self._listed("claims", "*.ttl") if p.stem not in left_out],
                "project-texts": self._listed("sources", "*.txt") + [self.file]}

    def data_files(self) -> set[Path]:
        """Every file of the project the build reads (for telling a stored file from a new one)."""
        return {p.resolve() for role, paths in self.files().items() for p in paths}


def widen_shapes(shapes, project: Project | None) -> None:
    """Let the shapes' "an IRI in ECO-KG's namespace" patterns also accept the project's namespaces, so that its
    claims, sources and entities conform (``shapes`` is an rdflib graph, changed in place)."""
    if project is None:
        return
    from rdflib import Literal
    from rdflib.namespace import SH

    own = BASE.replace(".", "\\.")  # as the shapes write it
    for shape, pattern in list(shapes.subject_objects(SH.pattern)):
        if str(pattern).startswith("^" + own):
            rest = str(pattern)[1 + len(own):]
            wider = "^(?:" + "|".join([own, *(re.escape(ns) for ns in project.namespaces)]) + ")" + rest
            shapes.remove((shape, SH.pattern, pattern))
            shapes.add((shape, SH.pattern, Literal(wider)))


def find_project(start: Path) -> Path | None:
    """The nearest ``ecokg.toml`` at or above ``start``; none past a folder that holds ``.git`` or ECO-KG's own
    ``ontology/eco.ttl`` without one (the top of a repository, a checkout or an unpacked copy of ECO-KG), so ECO-KG
    itself, or any repository without a project, has none."""
    folder = Path(start).resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        if (candidate / PROJECT_FILE).is_file():
            return candidate / PROJECT_FILE
        if (candidate / ".git").exists() or (candidate / "ontology" / "eco.ttl").is_file():
            return None
    return None


def licence_iri(value: str, *, what: str = "--licence", file: Path | None = None) -> str:
    """The IRI of a licence given as an SPDX identifier (any case) or as an IRI."""
    if _LICENCE_IRI.match(value or ""):
        return value
    by_case = {spdx.lower(): spdx for spdx in SPDX_LICENCES}
    if (value or "").lower() in by_case:
        return SPDX_BASE + by_case[value.lower()]
    import difflib

    near = difflib.get_close_matches(value or "", SPDX_LICENCES, n=3, cutoff=0.5)
    raise ProjectError(f"{what} {value!r} is neither a known SPDX identifier nor an IRI", file=file, term=value,
                       hint=(f"did you mean {', '.join(near)}? " if near else "")
                       + "give an SPDX identifier (CC-BY-4.0, CC0-1.0 …) or the licence's IRI")


def check_namespace(namespace: str, *, file: Path | None = None) -> str:
    """A namespace a project may mint IRIs in: an absolute http(s) IRI ending in / or #, not ECO-KG's own."""
    if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
        raise ProjectError(f"{namespace!r} is not a namespace IRI", file=file, term=str(namespace),
                           hint="give an absolute http(s) IRI ending in / or #, e.g. https://example.org/my-kg/")
    if namespace.startswith(BASE) or BASE.startswith(namespace):
        raise ProjectError(f"{namespace} overlaps ECO-KG's own namespace {BASE}", file=file, term=namespace,
                           hint="a project mints IRIs in a namespace of its own, e.g. https://example.org/my-kg/")
    return namespace


def load_project(file: Path) -> Project:
    """Read ``ecokg.toml``; a malformed one is a `ProjectError` naming the file and the key."""
    file = Path(file).resolve()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProjectError(f"cannot read the project file: {error.strerror}", file=file) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(f"the project file is not valid TOML: {error}", file=file,
                           hint="see the file `ecokg init` writes for the expected form") from None
    table = data.get("project")
    if not isinstance(table, dict):
        raise ProjectError("the project file has no [project] table", file=file,
                           hint='add [project] with namespace = "https://example.org/my-kg/"')
    found = table.get("namespaces", table.get("namespace"))
    namespaces = [found] if isinstance(found, str) else found
    if not namespaces or not isinstance(namespaces, list):
        raise ProjectError("the project file names no namespace", file=file, term="project.namespace",
                           hint='add namespace = "https://example.org/my-kg/" to [project]')
    layout = dict(DEFAULT_LAYOUT)
    given = data.get("layout", {})
    if not isinstance(given, dict):
        raise ProjectError("[layout] must be a table of folder names", file=file, term="layout")
    for role, name in given.items():
        layout[role] = _check_folder(role, name, file)
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, dict) for v in sources.values()):
        raise ProjectError("[sources.<slug>] tables hold each source's curation defaults", file=file, term="sources")
    defaults = tuple(sorted((slug, tuple(sorted((k, str(v)) for k, v in values.items())))
                            for slug, values in sources.items()))
    licence = str(table.get("licence", table.get("license", "")))
    if licence:
        licence_iri(licence, what="project.licence", file=file)
    return Project(file.parent, tuple(check_namespace(ns, file=file) for ns in namespaces),
                   str(table.get("title", "")), licence,
                   tuple(layout.items()), source_defaults=defaults)


def _check_folder(role: str, name, file: Path) -> str:
    if role not in DEFAULT_LAYOUT or not isinstance(name, str) or not name or Path(name).is_absolute() \
            or ".." in Path(name).parts or name in (".", "build"):
        raise ProjectError(f"layout.{role} = {name!r} is not a folder of the project", file=file,
                           term=f"layout.{role}", hint="known roles: " + ", ".join(DEFAULT_LAYOUT)
                           + "; each a relative folder name inside the project, not build/")
    return name


def discover(start: Path) -> Project | None:
    """The project ``start`` is inside, or None."""
    found = find_project(start)
    return load_project(found) if found is not None else None


def project_at(folder: Path) -> Project:
    """The project ``folder`` is in (``ECOKG_PROJECT``, for entry points that have no working directory to
    look from); none there is a `ProjectError`."""
    found = find_project(folder)
    if found is None:
        raise ProjectError(f"no ecokg.toml in {folder} or above it", file=folder, term="ECOKG_PROJECT",
                           hint="name a project's folder (made by `ecokg init`), or unset ECOKG_PROJECT")
    return load_project(found)


def check_slug(slug: str, *, file: Path | None = None) -> str:
    if not _SLUG.match(slug):
        raise ProjectError(f"{slug!r} cannot name a source (its IRI and graph take the file's stem)", file=file,
                           term=slug, hint="rename the file: letters, digits, '.', '_' and '-', e.g. speech-2024.txt")
    return slug


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def init_project(directory: Path, namespace: str, *, title: str = "", licence: str = "CC-BY-4.0",
                 gate_repository: str = "REPO_OWNER/eco-kg", layout: dict[str, str] | None = None) -> list[Path]:
    """Write a new project into ``directory``: ecokg.toml, the folders (``layout``: role -> folder name, see
    `DEFAULT_LAYOUT`), the pre-commit hook, a CI workflow and a README. Refuses a folder that already holds a
    project (nothing is overwritten)."""
    directory = Path(directory)
    check_namespace(namespace)
    licence_iri(licence)
    folders = dict(DEFAULT_LAYOUT)
    for role, name in (layout or {}).items():
        folders[role] = _check_folder(role, name, directory / PROJECT_FILE)
    if (directory / PROJECT_FILE).exists():
        raise ProjectError("this folder already holds a project", file=directory / PROJECT_FILE,
                           hint="edit its ecokg.toml, or give another folder")
    title = title or directory.resolve().name
    written = []

    def write(relative: str, text: str) -> None:
        path = directory / relative
        if path.exists():
            return  # a file the researcher already has is kept as it is
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    directory.mkdir(parents=True, exist_ok=True)
    write(PROJECT_FILE, PROJECT_TOML.format(title=_toml_string(title), namespace=_toml_string(namespace),
                                            licence=_toml_string(licence),
                                            **{role: _toml_string(name) for role, name in folders.items()}))
    for role, name in folders.items():
        write(f"{name}/README.md", FOLDER_NOTES[role])
    write(".pre-commit-config.yaml", PRE_COMMIT.format(repository=gate_repository))
    write(".github/workflows/ecokg.yml", WORKFLOW.format(repository=gate_repository))
    write("README.md", PROJECT_README.format(title=title, namespace=namespace))
    write(".gitignore", "build/\n")
    return written


PROJECT_TOML = """\
# An ECO-KG project: the packaged ECO-KG graph (ontology, shapes, entities, the interview) plus the files
# below. Every `ecokg` command run in this folder or under it reads this file.

[project]
title = {title}
# new subjects are allowed under these namespaces; sources get <namespace>id/source/<slug> and their
# own named graph <namespace>graph/source/<slug>
namespaces = [{namespace}]
# the licence of the project's own assertions (each source's text keeps its own, see `ecokg source add`)
licence = {licence}

[layout]
# sources: <slug>.txt kept byte for byte, <slug>.ttl its record (written by `ecokg source add`)
sources = {sources}
# claims: <slug>.ttl, the curated claims quoting source <slug>
claims = {claims}
# entities: *.ttl, the project's own entities, graph <namespace>graph/entities
entities = {entities}
# background: *.ttl, facts from elsewhere, each with its source, graph <namespace>graph/background
background = {background}
"""

FOLDER_NOTES = {
    "sources": "# sources\n\nOne `<slug>.txt` per source, kept byte for byte, and its record `<slug>.ttl`; both are "
               "written by `ecokg source add FILE --title TEXT`. Edit neither by hand: the build checks the text's "
               "sha256.\n",
    "claims": "# claims\n\n`<slug>.ttl` holds the curated claims quoting source `<slug>`; each claim names it with "
              "`prov:wasDerivedFrom` and quotes it word for word in `eco:quote`.\n",
    "entities": "# entities\n\nThe project's own entities (people, organisations, places), named in the project's "
                "namespace, with `rdfs:label` and `eco:surfaceForm`.\n",
    "background": "# background\n\nFacts from elsewhere, each citing its source (`dcterms:source` or "
                  "`prov:wasDerivedFrom`).\n",
}

PRE_COMMIT = """\
# The ECO-KG gate on every staged Turtle/TriG file, with this project's ecokg.toml (found by the hook).
# `repo` is the gate's repository ({repository}: replace a placeholder with the real one); replace
# COMMIT_SHA with the full commit of the gate you want (or a release tag vX.Y.Z, once one exists): the rules
# are those of that commit.
repos:
  - repo: https://github.com/{repository}
    rev: COMMIT_SHA
    hooks:
      - id: ecokg-validate
        exclude: ^build/
"""

WORKFLOW = """\
# The ECO-KG gate on every push and pull request. Replace COMMIT_SHA with the full 40-character commit of
# the gate's release you want (a tag can be moved; a commit cannot), and keep the tag in the comment; the
# action is that of the gate's repository ({repository}: replace a placeholder with the real one).
name: ecokg
on: [push, pull_request]
permissions:
  contents: read
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: {repository}@COMMIT_SHA  # and its release tag, once there is one
        with:
          files: "sources/*.ttl claims/*.ttl entities/*.ttl background/*.ttl"
"""

PROJECT_README = """\
# {title}

An ECO-KG project: its sources and claims beside the packaged ECO-KG graph. New subjects go under
`{namespace}`.

```sh
ecokg source add speech.txt --title "Title as given" --speaker "Name" --date 2024-05-01 --licence CC-BY-4.0
ecokg validate claims/speech.ttl   # the gate: vocabulary, shapes, quotes against the registered sources
ecokg build                        # the packaged graph plus this project, each source in its own named graph
ecokg query --list                 # the named questions, across sources
```
"""

__all__ = ["PROJECT_FILE", "Project", "check_namespace", "check_slug", "discover", "find_project", "init_project",
           "licence_iri", "load_project", "project_at", "widen_shapes"]
