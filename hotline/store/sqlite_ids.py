"""The keys of notice ids in the SQLite store's ``notice_ids`` table.

The own feed's notice entries are indexed by a 64-bit key of their id, so that the append can
refuse an id the feed holds already and a notice can be found by its id. A key that follows the
order ids are made in keeps the index's writes on its last pages: the node fills ids in as
version 7 UUIDs, whose first 48 bits are the time they were made (``posting.fresh_id``), and
the key of an id in the canonical text form of a UUID is those 48 bits followed by 16 bits of
a keyed hash of the whole id. A random key (a hash of the whole id) put each id of a batch on
a page of its own: as many pages written to the WAL and fsynced with each commit as notices in
the batch, and, once the index no longer fits in memory, as many read.

The hash is keyed by a secret of the store (``store_info``, made with the store), so that no
client can choose ids that share a key: ids that share their first 48 bits (a client may choose
them so) spread over 65,536 keys, which only the store can tell. Other text, which no notice
holds as its id, is keyed by 64 bits of that hash. Two ids with one key are told apart by the
notice's own id (``notices.nid``); the key only narrows the search.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3

from ..errors import StoreError

SECRET = "notice_id_key"  # the store_info row holding the secret (hex)


class IdKeys:
    """The key of a notice id in ``notice_ids`` (a signed 64-bit integer, as SQLite's are)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __call__(self, notice_id: str) -> int:
        text = notice_id.encode()
        if len(text) == 36 and text[8:9] == b"-" and text[13:14] == b"-":
            try:
                head = int(text[:8] + text[9:13], 16)
            except ValueError:
                pass
            else:
                low = hashlib.blake2b(text, digest_size=2, key=self._secret).digest()
                return _signed(head << 16 | int.from_bytes(low, "big"))
        digest = hashlib.blake2b(text, digest_size=8, key=self._secret).digest()
        return _signed(int.from_bytes(digest, "big"))


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def id_keys(conn: sqlite3.Connection, make: bool = True) -> IdKeys:
    """The store's keys: its secret, made now in the caller's transaction if it has none and
    ``make`` (an upgrade); else StoreError (a store of this version always holds one: without
    it no id indexed before could be found)."""
    row = conn.execute("SELECT value FROM store_info WHERE key = ?", (SECRET,)).fetchone()
    if row is None and make:
        secret = new_secret()
        conn.execute("INSERT INTO store_info (key, value) VALUES (?, ?)", (SECRET, secret))
        return IdKeys(bytes.fromhex(secret))
    try:
        secret_bytes = bytes.fromhex(row[0]) if row is not None else b""
    except (TypeError, ValueError):
        secret_bytes = b""
    if len(secret_bytes) != 16:
        raise StoreError(
            f"the store holds no valid {SECRET} (32 hex digits in store_info): the notice ids"
            " it indexed cannot be found without it; restore the file from a backup"
        )
    return IdKeys(secret_bytes)


def new_secret() -> str:
    """A new secret, as ``store_info`` holds it (32 hex digits)."""
    return secrets.token_hex(16)
