"""`ecokg validate` on symbolic links in a checkout: one leading outside the repository (to /etc/passwd, to a
file beside the checkout, through a linked folder) is an input problem naming the file, exit code 2, and
nothing of what it points at is read or shown; a link to a file inside the repository is validated as usual."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gate_fixtures import GOOD, run_subprocess

SECRET = "ecokg-test-secret-line"


@pytest.fixture
def checkout(tmp_path, monkeypatch) -> Path:
    """A contributions checkout (the working directory) with a good file, and a secret beside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ttl").write_text(f"# {SECRET}\n<urn:x:a> <urn:x:b> \"{SECRET}\" .\n", encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(GOOD / "new-link.ttl", repo / "good.ttl")
    monkeypatch.chdir(repo)
    return repo


def link(at: Path, to) -> Path:
    at.symlink_to(to)
    return at


@pytest.mark.parametrize("name, target", [
    ("passwd.ttl", "/etc/passwd"),
    ("beside.ttl", "../outside/secret.ttl"),
    ("absolute.trig", None),  # the secret by its absolute path
])
def test_a_link_leading_outside_the_repository_is_refused_and_not_read(checkout, run_json, name, target):
    if target is None:
        target = checkout.parent / "outside" / "secret.ttl"
    link(checkout / name, target)
    code, report = run_json("--no-owl", name)
    assert code == 2
    (problem,) = report["problems"]
    assert problem["rule_id"] == "input/link-outside" and problem["file"] == name
    assert "outside the repository" in problem["message"] and problem["hint"]
    assert [s["status"] for s in report["stages"]][:2] == ["failed", "skipped"]
    text = str(report)
    assert SECRET not in text and "root:" not in text


def test_a_file_under_a_linked_folder_outside_is_refused(checkout, run_json):
    link(checkout / "contrib", checkout.parent / "outside")
    code, report = run_json("--no-owl", "contrib/secret.ttl", "good.ttl")
    assert code == 2
    assert [p["rule_id"] for p in report["problems"]] == ["input/link-outside"]
    assert report["problems"][0]["file"] == "contrib/secret.ttl" and SECRET not in str(report)


def test_a_link_inside_the_repository_is_validated(checkout, run_json):
    (checkout / "contributions").mkdir()
    link(checkout / "contributions" / "alias.ttl", "../good.ttl")
    code, report = run_json("--no-owl", "contributions/alias.ttl")
    assert (code, report["problems"]) == (0, [])


@pytest.mark.slow
def test_the_executable_names_the_link_and_exits_2(checkout, settings):
    link(checkout / "passwd.ttl", "/etc/passwd")
    completed = run_subprocess("validate", "--no-owl", "passwd.ttl", env_build_dir=settings.build_dir, cwd=checkout)
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stdout.startswith("passwd.ttl: [input/link-outside]")
    assert "root:" not in completed.stdout + completed.stderr and "Traceback" not in completed.stderr
