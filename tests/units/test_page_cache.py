"""The listing pages kept: only while the index's version holds and the clock is short of the
first deadline on the page; bounded by their bytes, the least recently used dropped first."""

from __future__ import annotations

from hotline.feeds.pages import PageCache


def test_a_page_is_sent_again_only_at_its_version_and_before_its_deadline() -> None:
    cache = PageCache()
    cache.put(("q",), version=7, until_ms=1_000, body=b"page")
    assert cache.get(("q",), 7, 999) == b"page"
    assert cache.get(("q",), 8, 999) is None, "the index changed"
    cache.put(("q",), version=7, until_ms=1_000, body=b"page")
    assert cache.get(("q",), 7, 1_000) is None, "a notice on it turned overdue"
    assert len(cache) == 0, "a page no longer current is dropped"
    cache.put(("r",), version=7, until_ms=None, body=b"page")
    assert cache.get(("r",), 7, 10**15) == b"page", "no deadline on it: it holds"


def test_the_pages_kept_stay_within_their_bytes_the_least_recently_used_dropped() -> None:
    cache = PageCache(max_bytes=300)
    for name in ("a", "b", "c"):
        cache.put((name,), 1, None, bytes(100))
    assert cache.get(("a",), 1, 0) is not None  # now the most recently used
    cache.put(("d",), 1, None, bytes(100))
    assert cache.get(("b",), 1, 0) is None
    assert [cache.get((n,), 1, 0) is not None for n in ("a", "c", "d")] == [True, True, True]
    cache.put(("huge",), 1, None, bytes(301))
    assert cache.get(("huge",), 1, 0) is None and len(cache) == 3
