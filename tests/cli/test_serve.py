"""``hotline serve`` as a real process: it answers, stops cleanly, and refuses bad set-ups with
one clear line and exit code 2 before it listens."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hotline.provision.errors import NodeStartError
from hotline.settings import read_config, write_config
from tests.helpers.node_process import NodeProcess, make_node_dir, run_cli
from tests.helpers.redis_server import RedisServer, free_port
from tests.helpers.tls import self_signed

from .conftest import NodeDir

pytestmark = pytest.mark.integration


def serve(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``hotline serve`` expecting it to refuse: it must exit on its own."""
    return subprocess.run(
        [sys.executable, "-m", "hotline", "serve", str(directory), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("hotline: error: ")]
    assert len(errors) == 1, result.stderr
    assert message in errors[0]


def test_serve_answers_healthz(running_node: NodeProcess) -> None:
    health = httpx.get(f"{running_node.url}/healthz").json()
    assert health["status"] == "ok"
    assert health["side"] == "alpha"
    assert health["origin"] == "hotline.example/alpha"
    assert health["sizes"] == {"alpha": 0}


def test_serve_stops_cleanly_on_sigterm(node_dir: NodeDir) -> None:
    node = NodeProcess(node_dir.path).start()
    assert node.stop() == 0
    log = node.log_path.read_text()
    assert "node alpha stopped" in log
    assert "Traceback" not in log


def test_serve_stops_cleanly_on_sigint(node_dir: NodeDir) -> None:
    node = NodeProcess(node_dir.path).start()
    assert node.process is not None
    node.process.send_signal(signal.SIGINT)
    assert node.process.wait(timeout=15) == 0
    node.stop()
    assert "node alpha stopped" in node.log_path.read_text()


def test_serve_starts_again_on_the_same_dir_and_port(node_dir: NodeDir) -> None:
    node = NodeProcess(node_dir.path).start()
    token = node_dir.tokens["operator"]
    body = {"kind": "liaison", "status": "test", "text": "first", "language": "en"}
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.post(f"{node.url}/v1/notices", json=body, headers=headers).status_code == 201
    node.stop()
    node.start()
    try:
        assert httpx.get(f"{node.url}/healthz").json()["sizes"] == {"alpha": 1}
    finally:
        node.stop()


def test_serve_port_flag_overrides_the_config(node_dir: NodeDir) -> None:
    port = free_port()
    with NodeProcess(node_dir.path, port) as node:
        assert node.url.endswith(f":{port}")
        assert httpx.get(f"{node.url}/healthz").status_code == 200


def test_serve_refuses_a_dir_without_config(tmp_path: Path) -> None:
    assert_one_line_error(serve(tmp_path / "nothing"), "no hotline.toml in")


def test_serve_refuses_an_invalid_config(node_dir: NodeDir) -> None:
    config = read_config(node_dir.path)
    config["nation"] = "nope"
    write_config(node_dir.path, config)
    assert_one_line_error(serve(node_dir.path), "invalid configuration")


def test_serve_refuses_a_key_file_readable_by_others(node_dir: NodeDir) -> None:
    key = node_dir.path / "keys" / "log.skey"
    key.chmod(0o644)
    assert_one_line_error(serve(node_dir.path), f"key file {key.resolve()} is readable by others")


def test_serve_refuses_a_missing_key_file(node_dir: NodeDir) -> None:
    (node_dir.path / "keys" / "witness.skey").unlink()
    assert_one_line_error(serve(node_dir.path), "witness.skey is missing")


def test_serve_refuses_an_unreachable_store(tmp_path: Path) -> None:
    closed = free_port()
    directory, _ = make_node_dir(tmp_path, "alpha", "hotline.example/alpha")
    config = read_config(directory)
    config["store"] = f"redis://127.0.0.1:{closed}/0"
    write_config(directory, config)
    result = serve(directory)
    assert_one_line_error(result, f"Redis at redis://127.0.0.1:{closed}/0 is unreachable")


def test_serve_refuses_a_port_in_use(node_dir: NodeDir) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve(node_dir.path, "--port", str(port))
    assert_one_line_error(result, f"cannot listen on 127.0.0.1:{port}")


def test_node_process_reports_a_start_failure_with_the_log(node_dir: NodeDir) -> None:
    (node_dir.path / "keys" / "log.skey").chmod(0o640)
    node = NodeProcess(node_dir.path)
    with pytest.raises(NodeStartError, match="is readable by others"):
        node.start()
    assert not node.running


def use_tls(directory: Path, cert: str = "cert.pem", key: str = "key.pem") -> None:
    config = read_config(directory)
    config["server"] = {**config["server"], "tls_cert": cert, "tls_key": key}
    config["url"] = config["url"].replace("http://", "https://")
    write_config(directory, config)


def test_serve_with_tls_answers_https_only(node_dir: NodeDir) -> None:
    self_signed(node_dir.path)
    use_tls(node_dir.path)
    with NodeProcess(node_dir.path) as node:
        assert node.url.startswith("https://")
        r = run_cli(
            "send",
            node_dir.path,
            "--token",
            node_dir.tokens["operator"],
            "--cacert",
            node_dir.path / "cert.pem",
            "--kind",
            "liaison",
            "--text",
            "over TLS",
        )
        assert r.code == 0, r.err
        plain = node.url.replace("https://", "http://")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{plain}/healthz")
        r = run_cli("send", node_dir.path, "--token", "hl_x", "--kind", "liaison", "--text", "x")
        assert r.code == 1
        assert "CERTIFICATE_VERIFY_FAILED" in r.err


def test_serve_refuses_a_missing_tls_file(node_dir: NodeDir) -> None:
    use_tls(node_dir.path, cert="nope.pem", key="nope.key")
    assert_one_line_error(serve(node_dir.path), "cannot load the TLS certificate or key")


def test_serve_refuses_half_a_tls_config(node_dir: NodeDir) -> None:
    use_tls(node_dir.path, key="")
    assert_one_line_error(serve(node_dir.path), "TLS needs both server.tls_cert and server.tls_key")


def test_serve_refuses_a_redis_that_is_not_durable(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path / "redis", appendfsync="everysec")
    directory, _ = make_node_dir(tmp_path, "alpha", "hotline.example/alpha")
    config = read_config(directory)
    config["store"] = redis.url
    write_config(directory, config)
    with redis:
        result = serve(directory)
    assert_one_line_error(result, "is not durable: appendfsync is 'everysec', needs 'always'")


def test_serve_runs_on_a_durable_redis(tmp_path: Path, redis_server: RedisServer) -> None:
    directory, _ = make_node_dir(tmp_path, "alpha", "hotline.example/alpha", redis_server.url)
    with NodeProcess(directory) as node:
        assert httpx.get(f"{node.url}/healthz").json()["sizes"] == {"alpha": 0}


def test_node_process_does_not_take_another_node_on_its_port_for_its_own(
    tmp_path: Path, running_node: NodeProcess
) -> None:
    # bravo is configured on the port alpha listens on: alpha answers /healthz there at once,
    # but bravo cannot listen and exits, and starting it must say so
    bravo, _ = make_node_dir(tmp_path / "other", "bravo", "hotline.example/bravo")
    node = NodeProcess(bravo, running_node.port)
    with pytest.raises(NodeStartError, match=f"cannot listen on 127.0.0.1:{running_node.port}"):
        node.start()
    assert not node.running
    assert httpx.get(f"{running_node.url}/healthz").json()["origin"] == "hotline.example/alpha"


def test_free_port_never_hands_out_a_port_twice() -> None:
    # ports chosen one after the other before anything listens on them (a node's, its Redis's)
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
