"""``--help`` answers for every command, in process and as the installed console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.node_process import run_cli

COMMANDS = [
    [],
    ["tls"],
    ["tls", "ca"],
    ["tls", "cert"],
    ["init"],
    ["pair"],
    ["serve"],
    ["users"],
    ["users", "add"],
    ["users", "list"],
    ["users", "revoke"],
    ["send"],
    ["audit"],
    ["audit", "export"],
    ["audit", "verify"],
    ["audit", "report"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "hotline")
def test_help_works_for_every_command(command: list[str]) -> None:
    r = run_cli(*command, "--help")
    assert r.code == 0
    assert r.out.startswith(f"usage: {' '.join(['hotline', *command])}")
    assert r.err == ""


def test_every_command_is_in_the_help_list() -> None:
    top = run_cli("--help").out
    for name in ("tls", "init", "pair", "serve", "users", "send", "audit", "demo"):
        assert f"    {name}" in top


def test_no_command_is_a_usage_error() -> None:
    r = run_cli()
    assert r.code == 2
    assert "hotline: error: the following arguments are required: COMMAND" in r.err


def test_unknown_command_is_a_usage_error() -> None:
    r = run_cli("launch")
    assert r.code == 2
    assert "hotline: error: argument COMMAND: invalid choice: 'launch'" in r.err


@pytest.mark.integration
def test_python_dash_m_hotline_and_the_console_script_answer_help() -> None:
    by_module = subprocess.run(
        [sys.executable, "-m", "hotline", "--help"], capture_output=True, text=True, check=False
    )
    assert by_module.returncode == 0
    assert by_module.stdout.startswith("usage: hotline")
    script = Path(sys.executable).with_name("hotline")
    if not script.exists():
        pytest.fail(f"the console script {script} is not installed (pip install -e .)")
    by_script = subprocess.run(
        [script, "users", "--help"], capture_output=True, text=True, check=False
    )
    assert by_script.returncode == 0
    assert by_script.stdout.startswith("usage: hotline users")
