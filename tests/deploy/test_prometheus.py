"""deploy/prometheus: the scrape configuration and the alert rules pass ``promtool check``, each
alert fires on the series of a troubled node and stays quiet on a healthy one (``promtool test
rules`` with tests/deploy/rules_test.yml), and every metric the rules name is one a node
exports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import yaml

from hotline.app import create_app
from hotline.auth.users import add_user
from hotline.keys import generate_keys
from hotline.settings import Settings
from tests.helpers.fake_peer import FakePeer

from .tools import DEPLOY, run
from .tools import promtool as find_promtool

PROM = DEPLOY / "prometheus"
RULES = PROM / "hotline.rules.yml"
RULES_TEST = Path(__file__).parent / "rules_test.yml"


def test_the_alert_rules_pass_promtool_check_rules() -> None:
    r = run([find_promtool(), "check", "rules", str(RULES)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: 8 rules found" in r.stdout


def test_promtool_check_rules_refuses_a_broken_rule(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        RULES.read_text().replace("hotline_peer_connected == 0", "hotline_peer_connected ==")
    )
    r = run([find_promtool(), "check", "rules", str(broken)])
    assert r.returncode != 0
    assert '"HotlinePeerLinkDown": could not parse expression' in r.stdout + r.stderr


def test_each_alert_fires_on_a_troubled_node_and_not_on_a_healthy_one() -> None:
    r = run([find_promtool(), "test", "rules", str(RULES_TEST)])
    assert r.returncode == 0, r.stdout + r.stderr
    tested = set(re.findall(r"alertname: (\w+)", RULES_TEST.read_text()))
    defined = {
        rule["alert"] for g in yaml.safe_load(RULES.read_text())["groups"] for rule in g["rules"]
    }
    assert tested == defined


def test_the_scrape_configuration_passes_promtool_check_config(tmp_path: Path) -> None:
    """promtool checks that the token and CA files exist: the copy points at files under
    tmp_path instead of /etc/prometheus/hotline, nothing else changes."""
    secrets = tmp_path / "hotline"
    secrets.mkdir()
    for name in ("alpha.token", "bravo.token", "alpha-ca.pem", "bravo-ca.pem"):
        (secrets / name).write_text("x\n")
    text = (PROM / "prometheus.yml").read_text()
    assert text.count("/etc/prometheus/hotline/") == 4
    (tmp_path / "prometheus.yml").write_text(
        text.replace("/etc/prometheus/hotline/", f"{secrets}/")
    )
    shutil.copy(RULES, tmp_path / RULES.name)
    r = run([find_promtool(), "check", "config", str(tmp_path / "prometheus.yml")], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: 8 rules found" in r.stdout
    config: dict[str, Any] = yaml.safe_load(text)
    nodes = [c["static_configs"][0]["labels"]["node"] for c in config["scrape_configs"]]
    assert nodes == ["alpha", "bravo"]
    assert all(c["scheme"] == "https" for c in config["scrape_configs"])


async def test_every_metric_the_rules_name_is_one_a_node_exports(tmp_path: Path) -> None:
    bravo = FakePeer(side="bravo", origin="bravo.hotline.example", nation="XBB")
    settings = Settings(
        dir=tmp_path,
        side="alpha",
        origin="alpha.hotline.example",
        unit="JOC",
        nation="XAA",
        peer=bravo.card(),
    )
    generate_keys(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        node = app.state.node
        _, token = await add_user(node.store, "prometheus", "auditor", node.clock_ms())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            r = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    exported = set(re.findall(r"^# TYPE (\w+) ", r.text, re.MULTILINE))
    families = exported | {f"{m}_total" for m in exported} | {f"{m}_bucket" for m in exported}
    named = set(re.findall(r"\bhotline_\w+", RULES.read_text()))
    assert len(named) == 7, named
    assert named <= families, f"not exported: {sorted(named - families)}"
