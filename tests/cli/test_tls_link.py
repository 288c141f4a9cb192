"""Two sides over TLS as an operator sets them up, with no file edited by hand: ``hotline tls``,
``init``, ``pair`` and ``serve`` as real processes. The link comes up and is logged; a peer whose
certificate another CA signed gets no link, nor one whose keys are not those of the pinned card;
and ``serve`` refuses set-ups the other side could not use, each with its own exit code."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from hotline.cli.common import EXIT_LOOPBACK, EXIT_NO_CERTIFICATE
from hotline.settings import read_config, write_config
from tests.helpers.node_process import NodeProcess, make_node_dir, run_cli
from tests.helpers.redis_server import free_port

pytestmark = pytest.mark.integration
TIMEOUT = 30.0


def cli(*args: str | Path) -> str:
    r = run_cli(*args)
    assert r.code == 0, r.err
    return r.out


@dataclass
class TlsSide:
    name: str
    dir: Path
    ca: Path  # the CA that signed this side's certificate
    tokens: dict[str, str]
    node: NodeProcess | None = None

    def get(self, path: str) -> Any:
        assert self.node is not None
        auth = {"Authorization": f"Bearer {self.tokens['auditor']}"}
        return httpx.get(f"{self.node.url}{path}", headers=auth, verify=self.node.verify).json()

    def log(self) -> str:
        return (self.dir / "serve.log").read_text()

    def connected(self) -> bool:
        return bool(self.get("/v1/link")["connected"])

    def logged(self, text: str) -> bool:
        return text in self.log()

    def dial_refused(self) -> bool:
        return "CERTIFICATE_VERIFY_FAILED" in (self.get("/v1/link")["last_error"] or "")


def tls_side(tmp_path: Path, name: str) -> TlsSide:
    """``hotline tls ca``, ``tls cert`` for 127.0.0.1, ``init --url https://… --tls-cert
    --tls-key``: a side that serves TLS with its own CA."""
    ca, directory, port = tmp_path / f"{name}-ca", tmp_path / name, free_port()
    cli("tls", "ca", ca, "--name", f"{name} CA")
    cli("tls", "cert", directory, "--ca", ca, "--host", "127.0.0.1")
    tls = directory / "tls"
    extra = ["--url", f"https://127.0.0.1:{port}"]
    extra += ["--tls-cert", str(tls / "cert.pem"), "--tls-key", str(tls / "key.pem")]
    _, tokens = make_node_dir(tmp_path, name, f"hotline.example/{name}", port=port, extra=extra)
    return TlsSide(name, directory, ca, tokens)


def serve(side: TlsSide) -> NodeProcess:
    side.node = NodeProcess(side.dir, cafile=side.ca / "ca.pem").start()
    return side.node


def wait_until(cond: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def sides(tmp_path: Path) -> Iterator[Callable[[str], TlsSide]]:
    made: list[TlsSide] = []

    def make(name: str) -> TlsSide:
        made.append(tls_side(tmp_path, name))
        return made[-1]

    yield make
    for side in made:
        if side.node is not None:
            side.node.stop()


def test_two_sides_made_with_the_cli_link_over_tls_and_log_it(
    sides: Callable[[str], TlsSide],
) -> None:
    alpha, bravo = sides("alpha"), sides("bravo")
    cli("pair", alpha.dir, bravo.dir / "card.txt", "--peer-ca", bravo.ca / "ca.pem")
    cli("pair", bravo.dir, alpha.dir / "card.txt", "--peer-ca", alpha.ca / "ca.pem")
    assert serve(alpha).url.startswith("https://")
    serve(bravo)
    for side in (alpha, bravo):
        wait_until(side.connected, f"{side.name}'s link")
    for side, other in ((alpha, bravo), (bravo, alpha)):
        wait_until(partial(side.logged, "peer link up"), f"{side.name}'s log line")
        line = next(x for x in side.log().splitlines() if "peer link up" in x)
        assert "INFO    hotline.peering: peer link up with" in line
        assert line.endswith(f"(dialed by {alpha.name})") or line.endswith(
            f"(dialed by {bravo.name})"
        )
        assert other.name in line

    assert bravo.node is not None
    bravo.node.stop()
    # both sides dial: one of the two links may have been replaced already (its own down line,
    # "4409 replaced: ..."); the stop gives the line with its reason
    stopped = "WARNING hotline.peering: peer link down: closed: closed 1001 (node stopping)"
    wait_until(lambda: stopped in alpha.log(), "alpha's link down line for the stop")
    assert not alpha.get("/v1/link")["connected"]


def test_a_node_that_stops_tells_the_peer_that_dialed_it_why(
    sides: Callable[[str], TlsSide],
) -> None:
    """Only alpha dials: bravo is the listener, whose server would close the link's WebSocket
    with 1012 as it shuts down; bravo closes the link itself first, with 1001 node stopping."""
    alpha, bravo = sides("alpha"), sides("bravo")
    cli("pair", alpha.dir, bravo.dir / "card.txt", "--peer-ca", bravo.ca / "ca.pem")
    cli("pair", bravo.dir, alpha.dir / "card.txt", "--peer-ca", alpha.ca / "ca.pem")
    config = read_config(bravo.dir)
    config["peer"]["dial"] = False
    write_config(bravo.dir, config)
    serve(alpha), serve(bravo)
    wait_until(alpha.connected, "alpha's link")
    assert alpha.get("/v1/link")["dialed_by"] == alpha.get("/healthz")["origin"]
    assert bravo.node is not None
    bravo.node.stop()
    stopped = "WARNING hotline.peering: peer link down: closed: closed 1001 (node stopping)"
    wait_until(lambda: stopped in alpha.log(), "alpha's link down line for the stop")
    assert "1012" not in alpha.log()


def test_a_peer_with_a_certificate_from_another_ca_gets_no_link(
    sides: Callable[[str], TlsSide], tmp_path: Path
) -> None:
    alpha, bravo = sides("alpha"), sides("bravo")
    rogue = tmp_path / "rogue-ca"
    cli("tls", "ca", rogue, "--name", "rogue CA")
    # each side pins a CA that did not sign the other's certificate: neither dial is trusted
    cli("pair", alpha.dir, bravo.dir / "card.txt", "--peer-ca", rogue / "ca.pem")
    cli("pair", bravo.dir, alpha.dir / "card.txt", "--peer-ca", rogue / "ca.pem")
    serve(alpha), serve(bravo)
    for side in (alpha, bravo):
        wait_until(side.dial_refused, f"{side.name}'s refused dial")
        assert "WARNING hotline.peering: peer link: cannot dial wss://127.0.0.1:" in side.log()
        assert "certificate verify failed" in side.log()
    time.sleep(1.0)  # a few more dials
    for side in (alpha, bravo):
        link = side.get("/v1/link")
        assert (link["connected"], link["connects"]) == (False, 0)
        assert "peer link up" not in side.log()
        # the same failure again is not logged again
        assert side.log().count("certificate verify failed") == 1


def refused_with_bad_auth(side: TlsSide) -> bool:
    return "bad_auth" in (side.get("/v1/link")["last_error"] or "")


def test_a_peer_whose_keys_are_not_the_pinned_cards_gets_no_link(
    sides: Callable[[str], TlsSide], tmp_path: Path
) -> None:
    """Alpha pins a card with bravo's name, origin, URL and CA but other keys (made by another
    ``init``): TLS passes, but the node on the other end cannot prove the pinned log key, so no
    link comes up on either side and nothing crosses."""
    alpha, bravo = sides("alpha"), sides("bravo")
    impostor = tmp_path / "impostor"
    bravo_card = (bravo.dir / "card.txt").read_text()
    url = next(x.split()[1] for x in bravo_card.splitlines() if x.startswith("url "))
    cli("init", impostor, "--side", "bravo", "--origin", "hotline.example/bravo", "--url", url)
    impostor_card = (impostor / "card.txt").read_text()
    assert impostor_card != bravo_card  # the same names, other keys
    cli("pair", alpha.dir, impostor / "card.txt", "--peer-ca", bravo.ca / "ca.pem")
    cli("pair", bravo.dir, alpha.dir / "card.txt", "--peer-ca", alpha.ca / "ca.pem")
    serve(alpha), serve(bravo)
    for side in (alpha, bravo):
        wait_until(partial(refused_with_bad_auth, side), f"{side.name}'s refusal")
    time.sleep(1.0)  # a few more dials
    for side in (alpha, bravo):
        link = side.get("/v1/link")
        assert link["connected"] is False, link
        assert "peer link up" not in side.log()
    # alpha checks what answers for bravo against the pinned log key, and refuses it
    refused = "WARNING hotline.peering: peer link refused: bad_auth: signature does not verify"
    assert f"{refused} with the pinned log key" in alpha.log()
    assert (alpha.get("/v1/link")["last_error"] or "").startswith("bad_auth")
    assert "bad_auth" in (bravo.get("/v1/link")["last_error"] or "")
    assert alpha.get("/healthz")["sizes"] == {"alpha": 0, "bravo": 0}


# serve's refusals ----------------------------------------------------------------------------


def run_serve(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline", "serve", str(directory), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hotline: error: ")
    return lines[0]


def test_serve_refuses_an_https_url_without_a_certificate(tmp_path: Path) -> None:
    port = free_port()
    directory, _ = make_node_dir(
        tmp_path,
        "alpha",
        "hotline.example/alpha",
        port=port,
        extra=["--url", f"https://127.0.0.1:{port}"],
    )
    line = one_line_error(run_serve(directory), EXIT_NO_CERTIFICATE)
    assert f"url https://127.0.0.1:{port} is https but it has no certificate" in line


def test_serve_refuses_loopback_when_the_url_names_another_host(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://alpha.example:{port}"
    directory, _ = make_node_dir(
        tmp_path, "alpha", "hotline.example/alpha", port=port, extra=["--url", url]
    )
    line = one_line_error(run_serve(directory), EXIT_LOOPBACK)
    assert f"listens on 127.0.0.1 (loopback only) but its url {url} names alpha.example" in line
    assert "--allow-loopback" in line
    line = one_line_error(run_serve(directory, "--host", "::1"), EXIT_LOOPBACK)
    assert "listens on ::1 (loopback only)" in line


class LoopbackNode(NodeProcess):
    def command(self) -> list[str]:
        return [*super().command(), "--allow-loopback"]


def test_serve_allow_loopback_serves_behind_a_local_proxy(tmp_path: Path) -> None:
    port = free_port()
    directory, _ = make_node_dir(
        tmp_path,
        "alpha",
        "hotline.example/alpha",
        port=port,
        extra=["--url", f"http://alpha.example:{port}"],
    )
    with LoopbackNode(directory) as node:
        assert httpx.get(f"{node.url}/healthz").json()["side"] == "alpha"
