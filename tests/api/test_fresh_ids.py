"""The ids the node gives notices posted without one: random version 4 UUIDs in canonical form."""

from __future__ import annotations

import os
import uuid

from hotline.feeds import posting
from hotline.feeds.posting import fresh_id


def test_fresh_ids_are_canonical_version_4_uuids() -> None:
    for _ in range(1000):  # several refills of the random bytes
        text = fresh_id()
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text  # lowercase, hyphenated: as str(uuid.uuid4())


def test_fresh_ids_do_not_repeat() -> None:
    ids = [fresh_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)


def test_a_forked_child_does_not_reuse_its_parents_random_bytes() -> None:
    fresh_id()  # the parent holds unused random bytes now
    assert len(posting._RANDOM) > 0
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first id, to the parent
        try:
            os.write(write, fresh_id().encode())
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert uuid.UUID(child).version == 4
    assert child != fresh_id()  # the parent's next id was not the child's
