"""Checks over a feed's history of signed checkpoints: consistency and forks.

Both look only at checkpoints whose log signature verified (:attr:`Feed.signed`): a checkpoint
nobody can attribute to the log proves nothing about it.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from ..errors import ProofError
from ..merkle import HASH_SIZE
from .checks import Feed
from .report import Check, b64, count, sizes


def check_consistency(feed: Feed) -> Check:
    """RFC 9162 consistency between successive signed sizes, as the entries prove it.

    A pair is proved against the newer checkpoint: when that one does not match the entries (a
    failure of the checkpoints check) the entries cannot prove anything about the pair. When it
    matches, the consistency proof computed from the entries leads to the root of the entries'
    older prefix, so the older checkpoint is consistent exactly when its root is that root: the
    check compares the two roots (the entries' roots come from a compact range, in bounded
    memory), as verifying the proof would.
    """
    tree, problems, notes = feed.tree, [], []
    proved = groups = 0
    for (old, old_roots, _), (new, new_roots, _) in pairwise(_by_size(feed)):
        groups += 1
        if old == 0:
            continue  # every tree extends the empty one: nothing to prove
        for new_root in sorted(new_roots):
            if new > tree.size or tree.root(new) != new_root:
                notes.append(
                    f"size {old} -> {new}: not provable from the entries, the "
                    f"checkpoint of size {new} does not match them"
                )
                continue
            for old_root in sorted(old_roots):
                problem = _inconsistent(old_root, tree.root(old))
                if problem:
                    problems.append(
                        f"size {old} (root {b64(old_root)}) -> {new} (root "
                        f"{b64(new_root)}): not consistent: {problem}"
                    )
                else:
                    proved += 1
    if problems:
        return Check(
            "consistency",
            feed.name,
            "FAIL",
            f"{count(len(problems), 'inconsistent pair')} of signed checkpoints, "
            f"{count(proved, 'proof')} verified",
            [*problems, *notes],
        )
    if not groups:  # fewer than two sizes
        return Check(
            "consistency", feed.name, "PASS", "fewer than two signed sizes: nothing to prove", notes
        )
    return Check(
        "consistency",
        feed.name,
        "PASS",
        f"{count(proved, 'consistency proof')} verified "
        f"(RFC 9162 §2.1.4.2) between successive signed sizes "
        f"{sizes(cp.size for cp in feed.signed)}, proofs computed from the entries",
        notes,
    )


def check_forks(feed: Feed) -> Check:
    """No size has two different roots among the checkpoints the log key signed."""
    problems = []
    for size, roots, positions in _by_size(feed):
        if len(roots) > 1:
            problems.append(
                f"size {size}: {len(roots)} different roots, each signed by the log "
                f"key: {', '.join(b64(r) for r in sorted(roots))} (checkpoints "
                f"{', '.join(map(str, positions))})"
            )
    n = len(feed.signed)
    if problems:
        return Check(
            "forks", feed.name, "FAIL", f"the log signed {count(len(problems), 'fork')}", problems
        )
    return Check("forks", feed.name, "PASS", f"{count(n, 'signed checkpoint')}, one root per size")


def _inconsistent(old_root: bytes, computed: bytes) -> str | None:
    """What verifying the entries' consistency proof against ``old_root`` finds wrong."""
    if len(old_root) != HASH_SIZE:
        error = ProofError(
            f"old root is not {HASH_SIZE} bytes",
            code="bad_hash_size",
            expected=HASH_SIZE,
            found=len(old_root),
        )
    elif old_root != computed:
        error = ProofError(
            "calculated old root does not match the given old root",
            code="root_mismatch",
            expected=old_root,
            found=computed,
        )
    else:
        return None
    return str(error)


def _by_size(feed: Feed) -> Iterator[tuple[int, set[bytes], list[int]]]:
    """Each size the log key signed, in order, with its roots and the checkpoints (positions)
    that signed it: one size at a time in memory."""
    size: int | None = None
    roots: set[bytes] = set()
    positions: list[int] = []
    for cp in feed.signed.by_size():
        if cp.size != size:
            if size is not None:
                yield size, roots, positions
            size, roots, positions = cp.size, set(), []
        roots.add(cp.root)
        positions.append(cp.position)
    if size is not None:
        yield size, roots, positions
