"""The ids the node gives notices posted without one: version 7 UUIDs in canonical form, their
first 48 bits the node's time, the rest random."""

from __future__ import annotations

import os
import uuid

from hotline.feeds import posting
from hotline.feeds.posting import fresh_id

NOW = 1_767_261_600_123  # 2026-01-01T10:00:00.123Z


def test_fresh_ids_are_canonical_version_7_uuids_holding_the_nodes_time() -> None:
    for k in range(1000):  # several refills of the random bytes
        text = fresh_id(NOW + k)
        parsed = uuid.UUID(text)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text  # lowercase, hyphenated: as str(uuid.UUID(...))
        assert parsed.int >> 80 == NOW + k


def test_ids_made_later_sort_after_those_made_earlier() -> None:
    made = [fresh_id(NOW + k // 3) for k in range(3000)]  # three ids a millisecond
    times = [uuid.UUID(i).int >> 80 for i in made]
    assert times == sorted(times)
    assert [i[:13] for i in made] == sorted(i[:13] for i in made)  # the text sorts as the time


def test_fresh_ids_do_not_repeat_within_one_millisecond() -> None:
    ids = [fresh_id(NOW) for _ in range(20_000)]
    assert len(set(ids)) == len(ids)


def test_a_forked_child_does_not_reuse_its_parents_random_bytes() -> None:
    fresh_id(NOW)  # the parent holds unused random bytes now
    assert len(posting._RANDOM) > 0
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first id, to the parent
        try:
            os.write(write, fresh_id(NOW).encode())
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert uuid.UUID(child).version == 7
    assert child != fresh_id(NOW)  # the parent's next id was not the child's
