"""``hotline demo`` as a real process: a node with a sample notice, until Ctrl-C."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers.redis_server import free_port

pytestmark = pytest.mark.integration


@dataclass
class Demo:
    process: subprocess.Popen[str]
    output: list[str]
    port: int

    def value(self, label: str) -> str:
        for line in self.output:
            if line.strip().startswith(label):
                return line.split(label, 1)[1].strip()
        raise AssertionError(f"no {label!r} in the demo output:\n" + "\n".join(self.output))


def start_demo(*args: str) -> Demo:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline", "demo", "--base-port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    output: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        output.append(line)
        if "curl" in line:
            return Demo(process, output, port)
    process.kill()
    process.wait()
    raise AssertionError("the demo did not come up:\n" + "\n".join(output))


@pytest.fixture
def demo_in_dir(tmp_path: Path) -> Iterator[Demo]:
    demo = start_demo("--dir", str(tmp_path / "demo"))
    try:
        yield demo
    finally:
        if demo.process.poll() is None:
            demo.process.kill()
        demo.process.wait()
        if demo.process.stdout is not None:
            demo.process.stdout.close()


def interrupt(demo: Demo) -> int:
    demo.process.send_signal(signal.SIGINT)
    return demo.process.wait(timeout=30)


def test_demo_runs_a_node_with_a_sample_operation_until_ctrl_c(
    demo_in_dir: Demo, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{demo_in_dir.port}"
    assert demo_in_dir.value("console:") == f"{url}/"
    operator = demo_in_dir.value("operator token:")
    auditor = demo_in_dir.value("auditor token:")
    assert operator.startswith("hl_") and auditor.startswith("hl_")

    headers = {"Authorization": f"Bearer {auditor}"}
    notices = httpx.get(f"{url}/v1/notices", headers=headers).json()["notices"]
    assert [(n["kind"], n["index"]) for n in notices] == [("planned_operation", 0)]
    operation = notices[0]["notice"]
    assert operation["status"] == "exercise"
    assert operation["author"] == {
        "id": "operator",
        "unit": "CAOC-A Current Operations",
        "nation": "XAB",
    }
    assert operation["window"]["start"] > operation["time"]

    assert interrupt(demo_in_dir) == 0
    log = (tmp_path / "demo" / "alpha" / "serve.log").read_text()
    assert "node alpha stopped" in log
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/healthz")


def test_demo_refuses_a_dir_that_already_holds_its_nodes(demo_in_dir: Demo, tmp_path: Path) -> None:
    assert interrupt(demo_in_dir) == 0
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "hotline",
            "demo",
            "--base-port",
            str(free_port()),
            "--dir",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert again.returncode == 2
    assert "exists: remove it or pick another --dir" in again.stderr


def test_demo_in_a_temporary_dir_removes_it_at_the_end() -> None:
    demo = start_demo()
    try:
        match = re.search(r"Hotline demo in (\S+) \(removed at the end\)", demo.output[0])
        assert match, demo.output
        root = Path(match.group(1))
        assert (root / "alpha" / "hotline.toml").is_file()
        assert interrupt(demo) == 0
        assert not root.exists()
    finally:
        if demo.process.poll() is None:
            demo.process.kill()
        demo.process.wait()
        if demo.process.stdout is not None:
            demo.process.stdout.close()
