"""The CI gate sees every changed file: names git would quote (non-ASCII, newlines, spaces, a leading dash)
reach `ecokg validate` whole, through the file selection and the steps of the action and the reusable
workflow; a symbolic link among the selected files is refused with a message and exit code 2."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from programs import CHECKOUT  # noqa: E402  (tests/ is not a package)
from scratchgit import git  # noqa: E402  (tests/ is not a package)

SELECT = CHECKOUT / ".github" / "scripts" / "changed-rdf-files.sh"
ODD_NAMES = ["sub/données-ü.ttl", "two\nlines.ttl", "with space.trig", "-starts-with-a-dash.ttl",
             "a\nontology/not-excluded.ttl"]
FAKE_ECOKG = """#!{python}
import json, os, sys
with open(os.environ["ECOKG_ARGS"], "w", encoding="utf-8") as out:
    json.dump(sys.argv[1:], out)
sys.exit(int(os.environ.get("FAKE_CODE", "1")))
"""


@pytest.fixture
def repo(tmp_path):
    """A repository whose first commit holds old.ttl and ontology/x.ttl; returns (path, first commit)."""
    path = tmp_path / "repo"
    (path / "ontology").mkdir(parents=True)
    git(path, "init", "-q")
    for name in ("old.ttl", "ontology/x.ttl"):
        (path / name).write_text("# rdf\n", encoding="utf-8")
    git(path, "add", ".")
    git(path, "commit", "-qm", "first")
    return path, git(path, "rev-parse", "HEAD")


def commit(path: Path, files: dict[str, str | None] = (), links: dict[str, str] = ()) -> None:
    """Write ``files`` (None: delete), make ``links`` (name -> target) and commit everything."""
    for name, text in dict(files).items():
        target = path / name
        if text is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for name, target in dict(links).items():
        (path / name).unlink(missing_ok=True)
        (path / name).symlink_to(target)
    git(path, "add", "-A", ".")
    git(path, "commit", "-qm", "change")


def run_select(path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items()
             if key not in ("FILES_GLOB", "BASE_SHA", "BEFORE_SHA", "EXCLUDE")}
    return subprocess.run(["bash", str(SELECT)], cwd=path, env={**clean, **env}, capture_output=True)


def names(completed: subprocess.CompletedProcess) -> list[str]:
    assert completed.returncode == 0, completed.stderr.decode()
    return [name.decode("utf-8") for name in completed.stdout.split(b"\0")[:-1]]


# ------------------------------------------------------------------------ the selection script

@pytest.mark.parametrize("event", ["BASE_SHA", "BEFORE_SHA"])
def test_names_git_would_quote_are_selected_whole(repo, event):
    path, first = repo
    commit(path, {name: "# new\n" for name in ODD_NAMES})
    assert sorted(names(run_select(path, **{event: first}, EXCLUDE="^ontology/"))) == sorted(ODD_NAMES)


def test_every_tracked_file_with_odd_names_on_a_first_push(repo):
    path, _ = repo
    commit(path, {name: "# new\n" for name in ODD_NAMES})
    assert sorted(names(run_select(path, BEFORE_SHA="0" * 40, EXCLUDE="^ontology/"))) == sorted(ODD_NAMES + ["old.ttl"])


def test_globs_select_odd_names_whole(repo):
    path, first = repo
    commit(path, {name: "# new\n" for name in ODD_NAMES})
    assert sorted(names(run_select(path, FILES_GLOB="**/*.ttl", EXCLUDE="^ontology/"))) == sorted(
        [name for name in ODD_NAMES if name.endswith(".ttl")] + ["old.ttl"])


@pytest.mark.parametrize("how, target", [
    ("changed into a link", "/etc/passwd"),
    ("added as a link", "/etc/passwd"),
    ("added as a link inside", "old.ttl"),
])
def test_a_symbolic_link_among_the_changed_files_is_refused(repo, how, target):
    path, first = repo
    name = "old.ttl" if how == "changed into a link" else "new/link.ttl"
    if name != "old.ttl":
        (path / "new").mkdir()
        target = "../old.ttl" if target == "old.ttl" else target
    commit(path, {"fine.ttl": "# fine\n"}, links={name: target})
    for event in ("BASE_SHA", "BEFORE_SHA"):
        completed = run_select(path, **{event: first})
        assert completed.returncode == 2, completed.stdout
        message = completed.stderr.decode()
        assert name in message and "symbolic link" in message
        assert completed.stdout == b""  # no partial list for a caller that ignores the exit code


def test_a_glob_or_a_first_push_refuses_a_link_too(repo):
    path, _ = repo
    commit(path, links={"secret.ttl": "/etc/passwd"})
    for env in ({"FILES_GLOB": "*.ttl"}, {"BEFORE_SHA": "0" * 40}, {}):
        completed = run_select(path, **env)
        assert completed.returncode == 2 and b"secret.ttl" in completed.stderr, env


def test_a_folder_linked_out_of_the_repository_is_refused(repo, tmp_path):
    path, _ = repo
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ttl").write_text("# secret\n", encoding="utf-8")
    (path / "contrib").symlink_to(outside)
    completed = run_select(path, FILES_GLOB="contrib/*.ttl")
    assert completed.returncode == 2 and b"contrib/secret.ttl" in completed.stderr


def test_a_deleted_file_is_not_selected(repo):
    path, first = repo
    commit(path, {"old.ttl": None, "new.ttl": "# new\n"})
    assert names(run_select(path, BASE_SHA=first)) == ["new.ttl"]


# ------------------------------------------------------------------------ the steps that use it

def step(config: Path, name: str) -> str:
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    steps = [s for job in (document.get("jobs") or {}).values() for s in job.get("steps", [])]
    steps += (document.get("runs") or {}).get("steps", [])
    (found,) = [s for s in steps if s.get("name") == name]
    return found["run"]


def run_step(script: str, cwd: Path, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run a step's script as GitHub runs a `shell: bash` step, with a fake `ecokg` that records its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "ecokg"
    fake.write_text(FAKE_ECOKG.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    (tmp_path / "runner").mkdir(exist_ok=True)
    for name in ("summary", "output"):
        (tmp_path / name).touch()
    clean = {key: value for key, value in os.environ.items()
             if key not in ("FILES_GLOB", "BASE_SHA", "BEFORE_SHA", "EXCLUDE")}
    full = {**clean, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "ECOKG_ARGS": str(tmp_path / "args"),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"), "GITHUB_OUTPUT": str(tmp_path / "output"),
            "RUNNER_TEMP": str(tmp_path / "runner"), **env}
    script_file = tmp_path / "step.sh"
    script_file.write_text(script, encoding="utf-8")
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)], cwd=cwd,
                          env=full, capture_output=True, text=True, timeout=60)


def outputs(tmp_path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT as a step wrote it (name=value lines and name<<DELIMITER blocks)."""
    found, lines = {}, (tmp_path / "output").read_text(encoding="utf-8").split("\n")
    while lines:
        line = lines.pop(0)
        if "<<" in line:
            key, delimiter = line.split("<<", 1)
            value = []
            while lines[0] != delimiter:
                value.append(lines.pop(0))
            lines.pop(0)
            found[key] = "\n".join(value)
        elif "=" in line:
            key, value = line.split("=", 1)
            found[key] = value
    return found


def gate_arguments(tmp_path: Path) -> list[str] | None:
    args = tmp_path / "args"
    return json.loads(args.read_text(encoding="utf-8")) if args.exists() else None


def files_given(arguments: list[str]) -> list[str]:
    return arguments[arguments.index("--") + 1:]


def test_the_action_validates_odd_names_whole(repo, tmp_path):
    path, first = repo
    commit(path, {name: "# new\n" for name in ODD_NAMES})
    completed = run_step(step(CHECKOUT / "action.yml", "Run the gate"), path,
                         {"ACTION_PATH": str(CHECKOUT), "BASE_SHA": first, "EXCLUDE": "^ontology/", "OWL": "false",
                          "FORMAT": "github", "FILES_GLOB": "", "BEFORE_SHA": ""}, tmp_path)
    assert completed.returncode == 1, completed.stdout + completed.stderr  # the gate's exit code, passed on
    assert sorted(files_given(gate_arguments(tmp_path))) == sorted(ODD_NAMES)
    assert outputs(tmp_path)["exit-code"] == "1"
    assert "no Turtle or TriG file" not in (tmp_path / "summary").read_text(encoding="utf-8")


def test_the_action_refuses_a_link_without_running_the_gate(repo, tmp_path):
    path, first = repo
    commit(path, links={"passwd.ttl": "/etc/passwd"})
    completed = run_step(step(CHECKOUT / "action.yml", "Run the gate"), path,
                         {"ACTION_PATH": str(CHECKOUT), "BASE_SHA": first, "EXCLUDE": "^ontology/", "OWL": "false",
                          "FORMAT": "github", "FILES_GLOB": "", "BEFORE_SHA": ""}, tmp_path)
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert "passwd.ttl" in completed.stderr and "symbolic link" in completed.stderr
    assert gate_arguments(tmp_path) is None
    assert outputs(tmp_path)["exit-code"] == "2"
    assert "symbolic link" in (tmp_path / "summary").read_text(encoding="utf-8")


def workflow_steps(path: Path, tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, ...]:
    workflow = CHECKOUT / ".github" / "workflows" / "validate.yml"
    select = run_step(step(workflow, "Select files"), path,
                      {"FILES_GLOB": "", "EXCLUDE": "^ontology/", "BEFORE_SHA": "", "HOME_DIR": str(CHECKOUT), **env},
                      tmp_path)
    if select.returncode != 0:
        return (select,)
    selected = outputs(tmp_path)
    (tmp_path / "output").write_text("", encoding="utf-8")
    gate = run_step(step(workflow, "Run the gate"), path,
                    {"FILES": selected.get("files", ""), "FILE_LIST": selected.get("list", ""), "ROOT_FLAG": "",
                     "OWL": "false", "VALIDATE_SEEDS": "false"}, tmp_path)
    return select, gate


def test_the_workflow_validates_odd_names_whole(repo, tmp_path):
    path, first = repo
    commit(path, {name: "# new\n" for name in ODD_NAMES})
    select, gate = workflow_steps(path, tmp_path, {"BASE_SHA": first})
    assert select.returncode == 0, select.stderr
    assert gate.returncode == 0, gate.stdout + gate.stderr  # the job fails in a later step, on the exit code
    assert sorted(files_given(gate_arguments(tmp_path))) == sorted(ODD_NAMES)
    assert outputs(tmp_path)["exit-code"] == "1"


def test_the_workflow_refuses_a_link(repo, tmp_path):
    path, first = repo
    commit(path, links={"passwd.ttl": "/etc/passwd"})
    steps = workflow_steps(path, tmp_path, {"BASE_SHA": first})
    assert steps[0].returncode == 2, steps[0].stdout + steps[0].stderr
    assert "passwd.ttl" in steps[0].stderr and "symbolic link" in steps[0].stderr
    assert len(steps) == 1 and gate_arguments(tmp_path) is None


def test_the_pre_commit_hooks_pass_links_on_to_the_gate():
    hooks = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for hook in hooks:
        # pre-commit passes only regular files by default (types: [file]): a link would be skipped unseen
        assert hook.get("types") == [] and set(hook.get("types_or", [])) >= {"file", "symlink"}, hook["id"]
        assert hook["pass_filenames"] is True
