"""A store that fails on the peer link's paths closes the link with its documented code: a
receipt arriving while the node's disk is full closes the link with 1011 ``store_unavailable``,
records nothing, and the same receipt is taken once there is room again. The disk is a real,
small tmpfs filled to the last byte (the tests run as root, as CI does)."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline_protocol.cosignature import cosign
from hotline_protocol.note import split_note
from tests.helpers.fake_peer import FakePeer

from .conftest import Nodes, wait_until


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs mounted for the test, unmounted after it."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
    )
    # the suite runs as root (scripts/setup installs with apt): a tmpfs it cannot mount is a
    # broken environment, not a reason to leave the full-disk paths untested
    assert mounted.returncode == 0, f"cannot mount a tmpfs: {mounted.stderr.strip()}"
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Write zeros to a file on ``disk`` until the disk has no room left."""
    path = disk / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    block = bytes(4096)
    try:
        while True:
            os.write(fd, block)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)
    return path


def truncate_wal(db: Path) -> None:
    """Checkpoint the WAL into the database and cut it to nothing (as an operator's
    ``PRAGMA wal_checkpoint(TRUNCATE)`` does): the next write must grow it."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        conn.close()
    assert os.path.getsize(f"{db}-wal") == 0


async def test_a_receipt_on_a_full_disk_closes_the_link_with_store_unavailable(
    nodes: Nodes, small_disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = small_disk / "bravo.db"
    fake = FakePeer()
    bravo = await nodes.facing(fake, store=f"sqlite:///{db}")
    await bravo.post(
        {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}
    )
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    note = (await link.expect("checkpoint"))["note"].encode()
    body = split_note(note)[0]
    size = int(body.split(b"\n")[1])
    line = cosign(body, fake.witness, 1_767_261_600).line().rstrip("\n")
    feed = bravo.node.own_feed
    assert size == 1 and feed.delivered_size == 0

    truncate_wal(db)
    filler = fill(small_disk)
    caplog.set_level(logging.WARNING)
    await link.send("cosignature", size=size, line=line)

    assert await link.closed() == (1011, "store_unavailable")
    assert feed.delivered_size == 0
    assert not any("Exception in ASGI" in r.getMessage() for r in caplog.records)
    assert await bravo.get("/healthz", role="auditor")  # the node goes on serving

    filler.unlink()  # room again: the same receipt is taken
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    await link.send("cosignature", size=size, line=line)
    await wait_until(lambda: feed.delivered_size == 1, "the receipt taken")


async def test_a_run_from_the_peer_on_a_full_disk_closes_the_link_and_is_not_cosigned(
    nodes: Nodes, small_disk: Path
) -> None:
    """The receiving side: a run of the peer's entries that cannot be stored closes the link
    with 1011 ``store_unavailable`` and no receipt; with room again it is stored and cosigned."""
    db = small_disk / "bravo.db"
    fake = FakePeer()
    bravo = await nodes.facing(fake, store=f"sqlite:///{db}")
    fake.append_many(3)
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    await link.expect("status")
    truncate_wal(db)
    filler = fill(small_disk)
    await link.send_entries(0, [e.raw for e in fake.entries])
    await link.send_checkpoint(fake.sign())

    assert await link.closed() == (1011, "store_unavailable")
    assert not [m for m in link.received if m["type"] == "cosignature"]
    assert bravo.size("alpha") == 0

    filler.unlink()
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    await link.send_entries(0, [e.raw for e in fake.entries])
    await link.send_checkpoint(fake.sign())
    receipt = await link.expect("cosignature")
    assert receipt["size"] == 3 and bravo.size("alpha") == 3
