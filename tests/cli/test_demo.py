"""``hotline demo``: two peered nodes (and simulated traffic) as a real process, until a signal.

The integration tests run ``python -m hotline demo`` in a session of its own (so a failed test
can kill it with its nodes), read what it prints and check through the nodes' APIs. The others
check the traffic generator's notices against the protocol models, without any process.
"""

from __future__ import annotations

import os
import queue
import random
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from hotline.demo import emergency as em
from hotline.demo.duty import DutyOfficer, needs_ack
from hotline.demo.profiles import PROFILES
from hotline.demo.scenario import Scenario
from hotline.demo.summary import LAST_LINE
from hotline.provision.runner import ephemeral_range
from hotline_protocol.entries import notice_text, notice_text_of
from hotline_protocol.notices import notice_to_json, parse_notice
from tests.helpers.node_process import run_cli
from tests.helpers.redis_server import free_port

T = TypeVar("T")
SIDES = ("alpha", "bravo")
START_TIMEOUT = 90.0


def free_port_pair() -> int:
    """A port P on 127.0.0.1 such that P and P+1 were both free a moment ago."""
    for _ in range(50):
        port = free_port()
        low, high = ephemeral_range()
        if port + 1 < low or high < port < 65535:
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise RuntimeError("no two adjacent free ports")


def poll(check: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except httpx.HTTPError as exc:
            last = exc
        if last:
            return last  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@dataclass
class Demo:
    process: subprocess.Popen[str]
    port: int
    output: list[str] = field(default_factory=list)
    sides: dict[str, dict[str, str]] = field(default_factory=dict)

    def url(self, side: str) -> str:
        return f"http://127.0.0.1:{self.port + SIDES.index(side)}"

    def get(self, side: str, path: str, role: str = "auditor") -> Any:
        headers = {"Authorization": f"Bearer {self.sides[side][f'{role} token']}"}
        response = httpx.get(f"{self.url(side)}{path}", headers=headers, timeout=10)
        response.raise_for_status()
        return response.json()

    def notices(self, side: str) -> list[dict[str, Any]]:
        notices: list[dict[str, Any]] = self.get(side, "/v1/notices?limit=500")["notices"]
        return notices

    def interrupt(self, sig: signal.Signals = signal.SIGINT, *, group: bool = False) -> int:
        """Send ``sig`` to the demo (``group``: to it and its nodes, as Ctrl-C in a terminal
        does) and wait for its exit code."""
        if group:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        return self.process.wait(timeout=60)


def parse_sides(output: list[str]) -> dict[str, dict[str, str]]:
    """The per-side blocks of the summary: ``{"alpha": {"console": url, ...}, ...}``."""
    sides: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in output:
        header = re.match(r"^  ([a-z]+)  (\S+)  ", line)
        item = re.match(r"^    ([A-Za-z ]+):\s+(\S+)", line)
        if header:
            current = sides.setdefault(header.group(1), {"origin": header.group(2)})
        elif item and current is not None:
            current[item.group(1)] = item.group(2)
        elif not line.strip():
            current = None
    return sides


def start_demo(*args: str) -> Demo:
    port = free_port_pair()
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline", "demo", "--base-port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    demo = Demo(process, port)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            demo.output.append(line.rstrip("\n"))
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        if line.rstrip("\n") == LAST_LINE:
            demo.sides = parse_sides(demo.output)
            return demo
    end(demo)
    raise AssertionError("the demo did not come up:\n" + "\n".join(demo.output))


def end(demo: Demo) -> None:
    """Make sure the demo and its nodes are gone: Ctrl-C to its session if it still runs (so it
    cleans up), SIGKILL if that does not end it."""
    if demo.process.poll() is None:
        os.killpg(demo.process.pid, signal.SIGINT)
        try:
            demo.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(demo.process.pid, signal.SIGKILL)
    demo.process.wait()
    if demo.process.stdout is not None:
        demo.process.stdout.close()


@pytest.fixture
def demo_factory() -> Iterator[Callable[..., Demo]]:
    started: list[Demo] = []

    def make(*args: str) -> Demo:
        demo = start_demo(*args)
        started.append(demo)
        return demo

    yield make
    for demo in started:
        end(demo)


def assert_stopped(demo: Demo, root: Path | None) -> None:
    for side in SIDES:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{demo.url(side)}/healthz")
        if root is not None:
            assert f"node {side} stopped" in (root / side / "serve.log").read_text()


@pytest.mark.integration
def test_demo_with_traffic_flows_both_ways_until_ctrl_c(
    demo_factory: Callable[..., Demo], tmp_path: Path
) -> None:
    root = tmp_path / "demo"
    demo = demo_factory(
        "--traffic", "--rate", "240", "--seed", "7", "--duration", "300", "--dir", str(root)
    )
    assert set(demo.sides) == set(SIDES)
    for side in SIDES:
        link = demo.get(side, "/v1/link")
        assert link["paired"] and link["connected"], link

    def both_sides_on(node: str) -> bool:
        return {n["side"] for n in demo.notices(node)} == set(SIDES)

    for node in SIDES:
        poll(partial(both_sides_on, node), f"notices of both sides at {node}")

    def answered(side: str) -> dict[str, Any] | None:
        """A notice of ``side``, held by ``side``'s node, delivered and acknowledged by the
        other side's simulated duty officer."""
        for n in demo.notices(side):
            state = n["state"]
            if n["side"] == side and state["delivered"] and state["acknowledged"]:
                return n
        return None

    for side in SIDES:
        notice = poll(partial(answered, side), f"an acknowledged notice of {side}")
        other = SIDES[1 - SIDES.index(side)]
        assert notice["state"]["acknowledged"]["by"].startswith(f"{other}/"), notice
        assert notice["notice"]["status"] == "exercise"
    poll(lambda: any(" acked " in line for line in demo.output), "an 'acked' log line")

    assert demo.interrupt(group=True) == 0
    assert any(line.startswith("traffic: ") and "posted" in line for line in demo.output)
    assert_stopped(demo, root)


@pytest.mark.integration
def test_demo_prints_both_sides_and_they_answer_each_other(
    demo_factory: Callable[..., Demo], tmp_path: Path
) -> None:
    demo = demo_factory()
    match = re.search(r"Hotline demo in (\S+) \(removed at the end\)", demo.output[0])
    assert match, demo.output
    root = Path(match.group(1))
    for side in SIDES:
        block = demo.sides[side]
        assert block["origin"] == f"hotline.example/{side}"
        assert block["console"] == f"{demo.url(side)}/"
        assert block["API"] == f"{demo.url(side)}/v1"
        assert block["operator token"].startswith("hl_")
        assert block["auditor token"].startswith("hl_")
        assert demo.get(side, "/v1/link")["connected"]
        assert httpx.get(block["console"]).status_code == 200
    assert not any(" posted " in line for line in demo.output)  # no traffic without --traffic

    # alpha's sample operation reaches bravo, whose operator acknowledges it; alpha sees that
    sample = poll(lambda: demo.notices("bravo"), "the sample operation at bravo")[0]
    assert (sample["side"], sample["index"], sample["kind"]) == ("alpha", 0, "planned_operation")
    headers = {"Authorization": f"Bearer {demo.sides['bravo']['operator token']}"}
    acked = httpx.post(
        f"{demo.url('bravo')}/v1/notices/alpha/0/ack", json={"response": "WILCO"}, headers=headers
    )
    assert acked.status_code == 201, acked.text

    def acknowledged_at_alpha() -> dict[str, Any] | None:
        state: dict[str, Any] = demo.get("alpha", "/v1/notices/alpha/0")["state"]
        return state if state["acknowledged"] and state["delivered"] else None

    state = poll(acknowledged_at_alpha, "bravo's WILCO at alpha")
    assert state["acknowledged"]["response"] == "WILCO"
    assert state["acknowledged"]["by"] == "bravo/operator"

    # the printed export-and-verify command works
    line = next(x for x in demo.output if "hotline audit export" in x and "/alpha " in x)
    export, _, verify = line.strip().partition(" && ")
    token = export.split("--token ")[1].split()[0]
    out = tmp_path / "alpha-export.json"
    assert run_cli("audit", "export", root / "alpha", "--token", token, "-o", out).code == 0
    assert verify.startswith("hotline audit verify ")
    cards = shlex.split(verify)[4:]  # --card alpha/card.txt --card bravo/card.txt
    assert cards[::2] == ["--card", "--card"]
    assert run_cli("audit", "verify", out, *cards).code == 0
    assert run_cli("audit", "verify", out).code == 3  # the cards pin the keys

    assert demo.interrupt() == 0
    assert_stopped(demo, None)
    assert not root.exists()


@pytest.mark.integration
def test_demo_stops_on_sigterm_and_refuses_a_dir_that_holds_its_nodes(
    demo_factory: Callable[..., Demo], tmp_path: Path
) -> None:
    root = tmp_path / "demo"
    demo = demo_factory("--dir", str(root))
    assert demo.interrupt(signal.SIGTERM) == 0
    assert_stopped(demo, root)
    again = run_cli("demo", "--base-port", str(free_port_pair()), "--dir", root)
    assert again.code == 2
    assert "exists: remove it or pick another --dir" in again.err


@pytest.mark.integration
def test_demo_stops_by_itself_after_the_duration() -> None:
    port = free_port_pair()
    done = subprocess.run(
        [sys.executable, "-m", "hotline", "demo", "--base-port", str(port), "--duration", "1"],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1s passed" in done.stdout and "stopping both nodes" in done.stdout


def test_demo_refuses_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_cli("demo", "--base-port", str(port), "--dir", tmp_path / "d")
    assert result.code == 2
    assert f"port {port} on 127.0.0.1 is not free" in result.err
    assert not (tmp_path / "d" / "alpha").exists()


def test_demo_wants_traffic_for_rate_and_seed() -> None:
    result = run_cli("demo", "--rate", "30")
    assert result.code == 2
    assert "--rate and --seed go with --traffic" in result.err
    assert run_cli("demo", "--traffic", "--rate", "0").code == 2


# the generator's notices, without nodes ---------------------------------------------------


def complete(body: dict[str, Any], side: str, now: int) -> dict[str, Any]:
    """What the node does to a posted body: fill id, time and author; validate; make the
    entry's text from what was validated (the same as writing the notice out)."""
    profile = PROFILES[side]
    author = {"id": "planner", "unit": profile.unit, "nation": profile.nation}
    data = {"id": str(uuid.uuid4()), "time": now, "author": author, **body}
    notice = parse_notice(data)
    assert notice_text_of(data, notice) == notice_text(notice)
    return notice_to_json(notice)


def entry(side: str, index: int, notice: dict[str, Any]) -> dict[str, Any]:
    leaf = "A" * 43 + "="
    return {
        "side": side,
        "origin": f"hotline.example/{side}",
        "index": index,
        "leaf_hash": leaf,
        "notice": notice,
    }


@pytest.mark.parametrize("seed", range(40))
def test_every_generated_notice_is_valid(seed: int) -> None:
    now = 1_767_261_600_000
    rng = random.Random(seed)
    for side, profile in PROFILES.items():
        scenario = Scenario(profile, rng)
        op = complete(scenario.operation(now), side, now)
        assert op["status"] == "exercise" and op["window"]["start"] > now
        update, change = scenario.update(op, em.reference(entry(side, 1, op)))
        assert needs_ack(complete(update, side, now)) and change
        complete(scenario.liaison(now, op["window"]["end"]), side, now)
        body, callsign, aircraft_type, crew = em.distress(rng, profile, now, op)
        distress = complete(body, side, now)
        assert distress["precedence"] == "FLASH"
        emergency = em.Emergency(
            callsign, aircraft_type, crew, 46.0, -30.0, entry(side, 2, distress)
        )
        downed = complete(em.downed_pilot(rng, profile, emergency, now), side, now)
        assert downed["distress_ref"]["index"] == 2 and downed["crew_count"] == crew
        fix, _ = em.survivor_update(rng, downed, now)
        complete({**fix, "supersedes": em.reference(entry(side, 3, downed))}, side, now)


def test_a_seed_repeats_the_same_notices() -> None:
    now = 1_767_261_600_000

    def run(seed: int) -> list[dict[str, Any]]:
        scenario = Scenario(PROFILES["bravo"], random.Random(seed))
        return [scenario.operation(now) for _ in range(5)] + [scenario.liaison(now)]

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_the_duty_officer_answers_like_a_person() -> None:
    officer = DutyOfficer("bravo", "alpha", None, random.Random(5), None)  # type: ignore[arg-type]
    op = complete(Scenario(PROFILES["alpha"], random.Random(1)).operation(0), "alpha", 0)
    answers = [officer.decide(op) for _ in range(300)]
    responses = {response for response, _, _ in answers}
    assert responses == {"WILCO", "ROGER", "UNABLE"}
    assert all(reason for response, reason, _ in answers if response == "UNABLE")
    assert officer.decide({"kind": "cancel"})[0] == "ROGER"
    assert not needs_ack({"kind": "liaison"}) and needs_ack({"kind": "cancel"})
