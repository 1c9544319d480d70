"""The published pre-commit hook in a researcher's own repository, which holds only contributions:
`pre-commit try-repo` installs ECO-KG from this checkout (offline) and runs the gate on staged files."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from programs import require_program
from wheelhouse import offline_pip_env

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[2]
TEMPLATE = CHECKOUT / "seeds" / "templates" / "claim.ttl"


@pytest.fixture(scope="module")
def scratch_repo(tmp_path_factory, wheelhouse):
    require_program("git")
    home = tmp_path_factory.mktemp("precommit")
    repo = home / "contributions"
    repo.mkdir()
    env = offline_pip_env(wheelhouse, os.environ)
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / "cache"), PRE_COMMIT_HOME=str(home / "pre-commit"),
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", VIRTUALENV_DOWNLOAD="0")
    env.pop("VIRTUAL_ENV", None)
    text = TEMPLATE.read_text(encoding="utf-8")
    (repo / "good.ttl").write_text(text, encoding="utf-8")
    (repo / "bad.ttl").write_text(text.replace("There are also internal considerations.", "Words never said.")
                                  .replace("pk-internal-considerations", "pk-words-never-said"), encoding="utf-8")
    for command in (["git", "init", "-q"], ["git", "add", "good.ttl", "bad.ttl"]):
        subprocess.run(command, cwd=repo, env=env, check=True)
    return repo, env


def try_repo(repo: Path, env: dict, *files: str) -> subprocess.CompletedProcess:
    pre_commit = Path(os.sys.executable).parent / "pre-commit"
    return subprocess.run([str(pre_commit), "try-repo", str(CHECKOUT), "ecokg-validate", "--files", *files],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_a_good_contribution_passes(scratch_repo):
    repo, env = scratch_repo
    completed = try_repo(repo, env, "good.ttl")
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "Passed" in completed.stdout


def test_a_bad_contribution_fails_with_its_message(scratch_repo):
    repo, env = scratch_repo
    completed = try_repo(repo, env, "bad.ttl")
    assert completed.returncode == 1, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "Failed" in completed.stdout
    assert "bad.ttl:" in completed.stdout and "quote not found in source" in completed.stdout


def test_a_non_ascii_name_is_validated(scratch_repo):
    repo, env = scratch_repo
    name = "données ü.ttl"
    (repo / name).write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run(["git", "add", name], cwd=repo, env=env, check=True)
    completed = try_repo(repo, env, name)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "Passed" in completed.stdout


def test_a_link_out_of_the_repository_reaches_the_gate_and_is_refused(scratch_repo):
    repo, env = scratch_repo
    (repo / "passwd.ttl").symlink_to("/etc/passwd")
    subprocess.run(["git", "add", "passwd.ttl"], cwd=repo, env=env, check=True)
    completed = try_repo(repo, env, "passwd.ttl")
    assert completed.returncode == 1, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "Failed" in completed.stdout and "passwd.ttl: [input/link-outside]" in completed.stdout
    assert "root:" not in completed.stdout
