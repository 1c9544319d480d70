"""Every setting is read in one place: `Settings.from_env` turns ``ECOKG_*`` variables into values, and
no other module of the library or the server reads the environment."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kg.commands.build
from kg.cli import main
from kg.errors import SettingsError
from kg.gate.limits import GateLimits
from kg.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
#: the one module that reads the environment
READER = ROOT / "kg" / "settings.py"
#: modules that may still read it, each with the reason. Empty: nothing needs to.
ALLOWED: dict[str, str] = {}


def environment_reads(path: Path) -> list[str]:
    """Where ``path`` reads ``os.environ``, ``os.environb`` or ``os.getenv`` (however it imported them)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv", "getenvb"):
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"{path.name}:{node.lineno}: from os import {alias.name}" for alias in node.names
                      if alias.name in ("environ", "environb", "getenv", "getenvb")]
    return found


def test_only_the_settings_module_reads_the_environment():
    reads = []
    for package in ("kg", "server"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != READER and str(path.relative_to(ROOT)) not in ALLOWED:
                reads += [f"{path.parent.relative_to(ROOT)}/{hit}" for hit in environment_reads(path)]
    assert reads == []


def test_the_check_finds_each_way_of_reading_the_environment(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom os import getenv\nos.environ.get('A')\nos.getenv('B')\n", encoding="utf-8")
    assert sorted(environment_reads(sample)) == [
        "sample.py:2: from os import getenv", "sample.py:3: .environ", "sample.py:4: .getenv"]


def test_variables_become_settings():
    settings = Settings.from_env({"ECOKG_DEBUG": "1", "ECOKG_PUBLISH_TOKEN": "t0ken", "ECOKG_PUBLISH_PASSWORD": "pw",
                                  "ECOKG_GATE_STAGE_SECONDS": "2.5", "ECOKG_MAX_FILE_BYTES": "1024",
                                  "ECOKG_GATE_MEMORY_MB": "64", "ECOKG_GATE_MAX_PREFIXES": "3",
                                  "ECOKG_GATE_MAX_PROBLEMS": "7"})
    assert settings.debug and settings.publish_token == "t0ken" and settings.publish_password == "pw"
    assert GateLimits.from_settings(settings) == GateLimits(max_bytes=1024, stage_seconds=2.5, memory_mb=64,
                                                            max_prefixes=3, max_problems=7)


def test_default_settings_give_the_default_gate_limits():
    assert GateLimits.from_settings(Settings.from_env({})) == GateLimits()


def test_secrets_are_left_out_of_the_printed_settings():
    settings = Settings(update_token="u" * 32, publish_token="secret-token", publish_password="secret-password")
    assert "secret" not in repr(settings) and "u" * 32 not in repr(settings)


@pytest.mark.parametrize(("variable", "raw", "expected"), [
    ("ECOKG_PORT", "eighty", "ECOKG_PORT='eighty' is not a number"),
    ("ECOKG_GATE_MAX_PROBLEMS", "0", "ECOKG_GATE_MAX_PROBLEMS='0' must be positive"),
    ("ECOKG_GATE_STAGE_SECONDS", "-1", "ECOKG_GATE_STAGE_SECONDS='-1' must be positive"),
])
def test_a_malformed_variable_is_named(variable, raw, expected):
    with pytest.raises(SettingsError, match=expected):
        Settings.from_env({variable: raw})


def test_a_malformed_variable_is_a_usage_error_without_a_trace(monkeypatch, capsys):
    monkeypatch.setenv("ECOKG_ROW_LIMIT", "many")
    assert main(["query", "no-such-query"]) == 2
    stderr = capsys.readouterr().err
    assert "ECOKG_ROW_LIMIT='many' is not a number" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(("debug", "traced"), [("1", True), ("", False)])
def test_ecokg_debug_shows_the_trace_of_an_internal_error(monkeypatch, capsys, debug, traced):
    def broken(args, settings):
        raise RuntimeError("a bug")

    monkeypatch.setattr(kg.commands.build, "command", broken)
    monkeypatch.setenv("ECOKG_DEBUG", debug)
    assert main(["query", "corridors"]) == 3
    stderr = capsys.readouterr().err
    assert "internal error: RuntimeError: a bug" in stderr
    assert ("Traceback" in stderr) is traced
