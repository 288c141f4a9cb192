"""deploy/Dockerfile and deploy/compose.yml: the Dockerfile, read with Docker's own parser (the
``dockerfile`` package), builds in one stage and runs in another with no build tools, as a user
other than root, with a health check on /healthz; the compose file passes ``docker compose
config`` (or Debian's docker-compose) and holds two sides, each a node and a durable Redis with
the shipped configuration and a volume, and a Prometheus with deploy/prometheus. No container is
built or run here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dockerfile
import pytest
import yaml

from .tools import DEPLOY, ROOT, compose, run

BUILD_TOOLS = ("gcc", "g++", "cc ", "make", "build-essential", "apt-get", "apk add", "pip install")


def stages(text: str) -> list[list[dockerfile.Command]]:
    """The Dockerfile's instructions, one list per stage (the first starts at its FROM)."""
    found: list[list[dockerfile.Command]] = []
    for cmd in dockerfile.parse_string(text):
        if cmd.cmd == "FROM":
            found.append([])
        if found:
            found[-1].append(cmd)
    return found


def problems(text: str) -> list[str]:
    """What keeps a Dockerfile from being the image deploy/README.md describes."""
    found = stages(text)
    if len(found) < 2:
        return ["one stage: the build tools stay in the image"]
    final, out = found[-1], []
    users = [c.value[0] for c in final if c.cmd == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        out.append("the final stage runs as root")
    checks = [c for c in final if c.cmd == "HEALTHCHECK"]
    env: dict[str, str] = {}
    for cmd in final:
        if cmd.cmd == "ENV":
            env.update(zip(cmd.value[::2], cmd.value[1::2], strict=True))
    if not checks or checks[-1].value[0] != "CMD":
        out.append("no health check")
    else:
        probe = " ".join(checks[-1].value)
        for name, value in env.items():  # the probe may take its URL from the environment
            probe = probe.replace(f"os.environ['{name}']", value)
        if "/healthz" not in probe:
            out.append("the health check does not ask /healthz")
    for cmd in final:
        if cmd.cmd == "RUN" and any(tool in " ".join(cmd.value) for tool in BUILD_TOOLS):
            out.append(f"the final stage installs or builds: {cmd.original}")
        if cmd.cmd == "COPY" and not any(f.startswith("--from=") for f in cmd.flags):
            out.append(f"the final stage copies from the build context: {cmd.original}")
    return out


DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def test_the_dockerfile_builds_in_one_stage_and_runs_unprivileged_in_another() -> None:
    assert problems(DOCKERFILE) == []
    build, final = stages(DOCKERFILE)
    assert [c.value for c in final if c.cmd == "USER"] == [("hotline:hotline",)]
    assert [c.value for c in final if c.cmd == "ENTRYPOINT"] == [("hotline",)]
    assert [c.value for c in final if c.cmd == "CMD"] == [("serve", "/var/lib/hotline/node")]
    env = " ".join(" ".join(c.value) for c in final if c.cmd == "ENV")
    assert "HOTLINE_HEALTHCHECK_URL https://127.0.0.1:8400/healthz" in env
    # what the build stage copies exists in the repository
    for cmd in build:
        if cmd.cmd == "COPY":
            for source in cmd.value[:-1]:
                assert (ROOT / source).exists(), source


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("USER hotline:hotline", "USER root"), "the final stage runs as root"),
        (("USER hotline:hotline\n", ""), "the final stage runs as root"),
        (("HEALTHCHECK --interval=30s", "LABEL health=none\nARG x"), "no health check"),
        (("127.0.0.1:8400/healthz", "127.0.0.1:8400/"), "the health check does not ask /healthz"),
        (
            ("FROM python:3.11-slim-bookworm AS run\n", ""),
            "one stage: the build tools stay in the image",
        ),
        (
            ("RUN groupadd", "RUN apt-get install -y gcc && groupadd"),
            "the final stage installs or builds: RUN apt-get install -y gcc && groupadd",
        ),
        (
            (
                "COPY --from=build /opt/hotline/.venv",
                "COPY hotline/ /src/\nCOPY --from=build /opt/hotline/.venv",
            ),
            "the final stage copies from the build context: COPY hotline/ /src/",
        ),
    ],
)
def test_the_dockerfile_check_finds_what_breaks_the_image(
    change: tuple[str, str], problem: str
) -> None:
    old, new = change
    assert old in DOCKERFILE
    found = problems(DOCKERFILE.replace(old, new))
    assert any(p.startswith(problem) for p in found), found


def compose_file() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    return data


def test_the_compose_file_holds_two_sides_with_durable_redis_and_prometheus() -> None:
    data = compose_file()
    services = data["services"]
    assert set(services) == {"alpha", "redis-alpha", "bravo", "redis-bravo", "prometheus"}
    for side in ("alpha", "bravo"):
        node, redis = services[side], services[f"redis-{side}"]
        assert node["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert f"{side}-node:/var/lib/hotline" in node["volumes"]
        assert node["depends_on"] == {f"redis-{side}": {"condition": "service_healthy"}}
        assert node["networks"]["line"] == {"aliases": [f"{side}.example"]}
        assert f"{side}-redis:/data" in redis["volumes"]
        assert "./redis/redis.conf:/usr/local/etc/redis/redis.conf:ro" in redis["volumes"]
        assert redis["command"].startswith("redis-server /usr/local/etc/redis/redis.conf")
        assert redis["networks"] == [f"{side}-store"]
        assert data["networks"][f"{side}-store"] == {"internal": True}
    prometheus = services["prometheus"]["volumes"]
    assert "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus
    assert "./prometheus/hotline.rules.yml:/etc/prometheus/hotline.rules.yml:ro" in prometheus
    for mounted in (
        "redis/redis.conf",
        "prometheus/prometheus.yml",
        "prometheus/hotline.rules.yml",
    ):
        assert (DEPLOY / mounted).is_file()
    assert set(data["volumes"]) == {
        "alpha-node",
        "alpha-redis",
        "bravo-node",
        "bravo-redis",
        "prometheus-data",
    }


def test_the_compose_file_passes_docker_compose_config() -> None:
    r = run([*compose(), "-f", str(DEPLOY / "compose.yml"), "config"])
    assert r.returncode == 0, r.stderr
    resolved: dict[str, Any] = yaml.safe_load(r.stdout)
    assert set(resolved["services"]) == {
        "alpha",
        "redis-alpha",
        "bravo",
        "redis-bravo",
        "prometheus",
    }
    assert resolved["services"]["alpha"]["read_only"] is True


def test_docker_compose_config_refuses_an_unknown_option(tmp_path: Path) -> None:
    text = (DEPLOY / "compose.yml").read_text().replace("stop_grace_period:", "stop_grace_perod:")
    broken = tmp_path / "compose.yml"
    broken.write_text(text)
    r = run([*compose(), "-f", str(broken), "config"])
    assert r.returncode != 0
    assert "stop_grace_perod" in r.stderr
