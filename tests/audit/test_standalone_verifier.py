"""An auditor with nothing but the protocol library: a fresh virtual environment where only
``pip install ./protocol`` ran verifies a real node's export against the sides' cards with
``python -m hotline_protocol.audit verify``, printing the report the node's own code prints,
fails a tampered one, and reports the dispute from both sides' exports."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hotline_protocol.audit import audit_exports
from tests.audit.conftest import PeeredNode
from tests.audit.test_peered_export import LIAISON, export, post, until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NODE_PACKAGES = ("hotline", "fastapi", "starlette", "uvicorn", "websockets", "redis", "httpx")


@pytest.fixture(scope="module")
def auditor_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a new virtual environment holding the protocol library and its
    dependencies, installed with pip from a copy of ``protocol/`` (so no build output lands in
    the source tree)."""
    home = tmp_path_factory.mktemp("auditor")
    source = home / "protocol"
    shutil.copytree(
        ROOT / "protocol",
        source,
        ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__"),
    )
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True, timeout=120)
    python = home / "venv" / "bin" / "python"
    r = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        env=_clean_env(),
        cwd=home,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return python


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def run_auditor(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *args],
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        env=_clean_env(),
        cwd=cwd,  # not the repository: nothing of it is importable from here
    )


def test_the_auditor_environment_holds_nothing_of_the_node(
    auditor_python: Path, tmp_path: Path
) -> None:
    code = (
        "import importlib.util, hotline_protocol\n"
        "print(hotline_protocol.__file__)\n"
        f"print(' '.join(n for n in {NODE_PACKAGES!r} if importlib.util.find_spec(n)))\n"
    )
    r = run_auditor(auditor_python, "-c", code, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    location, node_packages = r.stdout.split("\n")[:2]
    assert Path(location).is_relative_to(auditor_python.parent.parent), location
    assert node_packages == ""


async def test_a_real_export_verifies_with_only_the_protocol_installed(
    auditor_python: Path, peered_nodes: dict[str, PeeredNode], tmp_path: Path
) -> None:
    alpha, bravo = peered_nodes["alpha"], peered_nodes["bravo"]
    async with httpx.AsyncClient() as c:
        for i in range(3):
            await post(c, alpha, "/v1/notices", {**LIAISON, "text": f"alpha {i}"})
        await until(lambda: bravo.node.index.size("alpha") == 3, "alpha's entries at bravo")
        await post(c, bravo, "/v1/notices/alpha/1/ack", {"response": "WILCO"})
        await until(
            lambda: (
                alpha.node.index.delivered_size("alpha") == 3
                and bravo.node.index.delivered_size("bravo") == 1
            ),
            "both feeds delivered and cosigned",
        )
        data = await export(c, alpha)
        other = await export(c, bravo)
    good = tmp_path / "export.json"
    good.write_bytes(data)
    (tmp_path / "bravo-export.json").write_bytes(other)
    cards = []
    for node in (alpha, bravo):
        path = tmp_path / f"{node.card.side}-card.txt"
        path.write_text(node.card.text())
        cards += ["--card", str(path)]
    pinned = [alpha.card, bravo.card]
    doc = json.loads(data)
    entries = doc["sides"][0]["entries"]
    entry = json.loads(base64.b64decode(entries[1]))  # the entry bravo acknowledged
    entry["notice"]["text"] = "alpha 9"
    entries[1] = base64.b64encode(json.dumps(entry).encode()).decode()
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))

    def audit(command: str, *paths: Path) -> subprocess.CompletedProcess[str]:
        names = [str(p.name) for p in paths]
        return run_auditor(
            auditor_python, "-m", "hotline_protocol.audit", command, *names, *cards, cwd=tmp_path
        )

    passed = await asyncio.to_thread(audit, "verify", good)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout == audit_exports([(good.name, data)], pinned).render() + "\n"
    assert passed.stdout.strip().endswith("all 17 checks passed, every key pinned by a card")
    assert "PASS  cosignatures[alpha]" in passed.stdout
    assert "1 ack resolved in alpha's feed" in passed.stdout

    failed = await asyncio.to_thread(audit, "verify", tampered)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    expected = audit_exports([(tampered.name, tampered.read_bytes())], pinned)
    assert failed.stdout == expected.render() + "\n"
    verdict = failed.stdout.strip().splitlines()[-1]
    assert verdict.startswith("VERDICT: FAIL"), verdict
    assert "entries[alpha]" in verdict and "references[bravo]" in verdict

    both = await asyncio.to_thread(audit, "report", good, tmp_path / "bravo-export.json")
    assert both.returncode == 0, both.stdout + both.stderr
    assert "acknowledged WILCO by bravo/" in both.stdout
    assert both.stdout.strip().splitlines()[-1].startswith("VERDICT: PASS")
