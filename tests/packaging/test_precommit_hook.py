"""The published pre-commit hook in a researcher's own repository, which holds only contributions: its
`.pre-commit-config.yaml` names this checkout at a commit (with the uncommitted changes, taken the way
`pre-commit try-repo` takes them), pre-commit installs ECO-KG from it (offline) and runs the gate on staged files.

The hook's environment is installed once per module (`pre-commit install-hooks`, which fails when ECO-KG does
not install offline); every case runs the hook from it, as a researcher's commits after the first do."""
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
PRE_COMMIT = Path(os.sys.executable).parent / "pre-commit"


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
    hook_repo, rev = checkout_commit(home / "shadow", env)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: ecokg-validate\n",
        encoding="utf-8")
    for command in (["git", "init", "-q"], ["git", "add", "good.ttl", "bad.ttl", ".pre-commit-config.yaml"]):
        subprocess.run(command, cwd=repo, env=env, check=True)
    installed = subprocess.run([str(PRE_COMMIT), "install-hooks"], cwd=repo, env=env, capture_output=True, text=True,
                               timeout=900)
    assert installed.returncode == 0, installed.stdout[-4000:] + installed.stderr[-2000:]
    return repo, env


def checkout_commit(shadow: Path, env: dict) -> tuple[str, str]:
    """(repository, commit) holding the checkout as it is now, in a clone at ``shadow``: HEAD plus the staged
    and modified tracked files, as `pre-commit try-repo` takes them (untracked files stay out there too).
    Made once, so that every case installs from the same commit and pre-commit's store keeps one environment
    for it."""
    # plumbing only in the checkout, and no optional locks: its index is never locked or rewritten, so a
    # commit made there meanwhile is not refused
    def git(*args: str, cwd: Path = CHECKOUT, **extra: str) -> str:
        return subprocess.run(["git", *args], cwd=cwd, env={**env, "GIT_OPTIONAL_LOCKS": "0", **extra}, check=True,
                              capture_output=True, text=True).stdout
    head = git("rev-parse", "HEAD").strip()
    git("clone", "-q", str(CHECKOUT), str(shadow))
    git("checkout", "-q", head, "-b", "_pc_tmp", cwd=shadow)
    into_shadow = {"GIT_INDEX_FILE": str(shadow / ".git" / "index"),
                   "GIT_OBJECT_DIRECTORY": str(shadow / ".git" / "objects")}
    staged = [name for name in git("diff-index", "--cached", "--name-only", "-z", "--diff-filter=ACMRTUXB",
                                   "HEAD").split("\0") if name]
    if staged:
        git("add", "--", *staged, **into_shadow)
    git("add", "-u", **into_shadow)
    git("commit", "-q", "--allow-empty", "--no-edit", "--no-gpg-sign", "-n", "-m", "the checkout with its changes",
        cwd=shadow)
    return str(shadow), git("rev-parse", "HEAD", cwd=shadow).strip()


def run_hook(repo: Path, env: dict, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PRE_COMMIT), "run", "ecokg-validate", "--files", *files],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_a_good_contribution_passes(scratch_repo):
    repo, env = scratch_repo
    completed = run_hook(repo, env, "good.ttl")
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "Passed" in completed.stdout


def test_a_bad_contribution_fails_with_its_message(scratch_repo):
    repo, env = scratch_repo
    completed = run_hook(repo, env, "bad.ttl")
    assert completed.returncode == 1, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "Failed" in completed.stdout
    assert "bad.ttl:" in completed.stdout and "quote not found in source" in completed.stdout


def test_a_non_ascii_name_is_validated(scratch_repo):
    repo, env = scratch_repo
    name = "données ü.ttl"
    (repo / name).write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run(["git", "add", name], cwd=repo, env=env, check=True)
    completed = run_hook(repo, env, name)
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "Passed" in completed.stdout


def test_a_link_out_of_the_repository_reaches_the_gate_and_is_refused(scratch_repo):
    repo, env = scratch_repo
    (repo / "passwd.ttl").symlink_to("/etc/passwd")
    subprocess.run(["git", "add", "passwd.ttl"], cwd=repo, env=env, check=True)
    completed = run_hook(repo, env, "passwd.ttl")
    assert completed.returncode == 1, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "Failed" in completed.stdout and "passwd.ttl: [input/link-outside]" in completed.stdout
    assert "root:" not in completed.stdout
