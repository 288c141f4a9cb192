"""deploy/systemd: both units pass ``systemd-analyze verify`` (with the node's command standing in
for the installed one) and run what deploy/README.md installs, where it installs it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .tools import DEPLOY, run

UNITS = DEPLOY / "systemd"


def settings(unit: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (UNITS / unit).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            found[key] = value
    return found


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is not installed (Debian package systemd)")
    for unit in ("hotline@.service", "redis-hotline.service"):
        text = (UNITS / unit).read_text()
        # the command is not installed here: /bin/true stands in for it
        (tmp_path / unit).write_text(text.replace("/opt/hotline/.venv/bin/hotline", "/bin/true"))
    r = run([analyze, "verify", "./hotline@alpha.service", "./redis-hotline.service"], tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr == ""


def test_the_units_run_what_the_guide_installs() -> None:
    guide = (DEPLOY / "README.md").read_text()
    node = settings("hotline@.service")
    assert node["ExecStart"] == "/opt/hotline/.venv/bin/hotline serve /var/lib/hotline/%i"
    assert (node["User"], node["ReadWritePaths"]) == ("hotline", "/var/lib/hotline/%i")
    assert "python3 -m venv /opt/hotline/.venv" in guide
    redis = settings("redis-hotline.service")
    assert redis["ExecStart"].startswith("/usr/bin/redis-server /etc/hotline/redis.conf ")
    assert "deploy/redis/redis.conf /etc/hotline/redis.conf" in guide
    assert "systemctl enable --now hotline@alpha" in guide
    assert "systemctl enable --now redis-hotline" in guide
