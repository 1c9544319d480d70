"""The README's examples for using the gate in another repository name what exists: the hook, the
release tag of this version, the workflow and its inputs, the action and its inputs, the pinned checkout."""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from programs import CHECKOUT  # noqa: E402  (tests/ is not a package)

README = (CHECKOUT / "README.md").read_text(encoding="utf-8")
VERSION = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def yaml_examples() -> list:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", README, flags=re.S)]


def test_the_pre_commit_example_pins_this_release_and_names_a_published_hook():
    (config,) = [example for example in yaml_examples() if isinstance(example, dict) and "repos" in example]
    (repo,) = config["repos"]
    hooks = {hook["id"] for hook in yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())}
    assert repo["rev"] == f"v{VERSION}"
    assert {hook["id"] for hook in repo["hooks"]} <= hooks


def test_the_workflow_example_calls_an_existing_workflow_with_its_inputs():
    (caller,) = [example for example in yaml_examples() if isinstance(example, dict) and "jobs" in example]
    job = caller["jobs"]["ecokg"]
    path, _, ref = job["uses"].partition("@")
    assert ref == f"v{VERSION}" and (CHECKOUT / path.split("/", 2)[2]).is_file()
    workflow = yaml.safe_load((CHECKOUT / path.split("/", 2)[2]).read_text(encoding="utf-8"))
    assert set(job["with"]) <= set(workflow[True]["workflow_call"]["inputs"])


def test_the_action_example_uses_the_pinned_checkout_and_existing_inputs():
    (steps,) = [example for example in yaml_examples() if isinstance(example, list)]
    checkout, gate = steps
    assert checkout["uses"] in (CHECKOUT / ".github" / "workflows" / "validate.yml").read_text(encoding="utf-8")
    assert gate["uses"].endswith(f"@v{VERSION}")
    action = yaml.safe_load((CHECKOUT / "action.yml").read_text(encoding="utf-8"))
    assert set(gate["with"]) <= set(action["inputs"])
