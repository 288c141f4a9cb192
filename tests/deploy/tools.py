"""The command-line tools the deploy/ checks run: installed by ``HOTLINE_SETUP_DEV=1
scripts/setup``, so a missing one fails its test (it is never skipped)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SETUP = "run HOTLINE_SETUP_DEV=1 scripts/setup, which installs it"


def promtool() -> str:
    """promtool on PATH, or where scripts/setup puts it: beside the environment's Python."""
    found = shutil.which("promtool") or shutil.which(
        "promtool", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.fail(f"promtool is not installed: {SETUP}")
    return found


def compose() -> list[str]:
    """``docker compose`` (the plugin) when Docker has it, else Debian's ``docker-compose``."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy is None:
        pytest.fail(f"neither `docker compose` nor docker-compose is installed: {SETUP}")
    return [legacy]


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=120, check=False)
