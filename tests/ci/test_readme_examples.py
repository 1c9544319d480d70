"""The README's examples for using the gate in another repository name what exists: the hook, a pinned
commit (no tag that does not exist), the workflow and its inputs, the action and its inputs, the pinned checkout."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from programs import CHECKOUT  # noqa: E402  (tests/ is not a package)

README = (CHECKOUT / "README.md").read_text(encoding="utf-8")


def yaml_examples() -> list:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", README, flags=re.S)]


#: what the README's examples pin: a commit the reader fills in (the project has tagged no release yet)
PIN = "COMMIT_SHA"
#: the repository the reader fills in: the project names no public repository yet
REPOSITORY = "REPO_OWNER/eco-kg"


def test_the_pre_commit_example_pins_a_commit_and_names_a_published_hook():
    (config,) = [example for example in yaml_examples() if isinstance(example, dict) and "repos" in example]
    (repo,) = config["repos"]
    hooks = {hook["id"] for hook in yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())}
    assert repo["rev"] == PIN and repo["repo"] == f"https://github.com/{REPOSITORY}"
    assert {hook["id"] for hook in repo["hooks"]} <= hooks


def test_the_workflow_example_calls_an_existing_workflow_with_its_inputs():
    (caller,) = [example for example in yaml_examples() if isinstance(example, dict) and "jobs" in example]
    job = caller["jobs"]["ecokg"]
    path, _, ref = job["uses"].partition("@")
    assert ref == PIN and path.startswith(REPOSITORY + "/") and (CHECKOUT / path.split("/", 2)[2]).is_file()
    workflow = yaml.safe_load((CHECKOUT / path.split("/", 2)[2]).read_text(encoding="utf-8"))
    assert set(job["with"]) <= set(workflow[True]["workflow_call"]["inputs"])


def test_the_action_example_uses_the_pinned_checkout_and_existing_inputs():
    (steps,) = [example for example in yaml_examples() if isinstance(example, list)]
    checkout, gate = steps
    assert checkout["uses"] in (CHECKOUT / ".github" / "workflows" / "validate.yml").read_text(encoding="utf-8")
    assert gate["uses"] == f"{REPOSITORY}@{PIN}"
    action = yaml.safe_load((CHECKOUT / "action.yml").read_text(encoding="utf-8"))
    assert set(gate["with"]) <= set(action["inputs"])
