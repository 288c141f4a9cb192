"""The Redis store's Lua scripts and small helpers.

Every conditional or multi-key write is one script, which Redis runs atomically; each script does
all its checks before its first write, because Redis does not roll back a script that fails
halfway.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import StoreError

# The notice index (see RedisStore.notice_keys): each notice entry's member, "time origin index"
# (time and index zero-padded, so that members sort as the listing does), goes into sorted sets
# of equal scores read by lex range, one per way a listing narrows: all or one feed, then any or
# one kind, any or one precedence. ``all`` and ``own`` are the bases of both feeds' sets and of
# this feed's; ARGV[first ...] holds member, kind, precedence for each of n entries ("" member:
# not a notice entry, not listed).
_INDEX_NOTICES = """
local function index_notices(all, own, first, n)
  for i = first, first + 3 * n - 1, 3 do
    local m = ARGV[i]
    if m ~= '' then
      local k, p = '|k|' .. ARGV[i + 1], '|p|' .. ARGV[i + 2]
      for _, base in ipairs({all, own}) do
        redis.call('ZADD', base, 0, m)
        redis.call('ZADD', base .. k, 0, m)
        redis.call('ZADD', base .. p, 0, m)
        redis.call('ZADD', base .. k .. p, 0, m)
      end
    end
  end
end
"""
# The Merkle tree's interior nodes (see hotline.store.treenodes): field "level:index", its hash,
# m pairs from ARGV[first].
_STORE_NODES = """
local function store_nodes(key, first, m)
  for i = first, first + 2 * m - 1, 1000 do
    redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, first + 2 * m - 1)))
  end
end
"""
# KEYS: entries, leaves, checkpoint sizes (zset), checkpoint data (hash), refs (hash), notice
#       index bases (both feeds, this feed), tree nodes (hash)
# ARGV: start ('*': no entries, no size check), n, has checkpoint, cp size, root, note, stored_ms,
#       m, then n entries, n leaf hashes, n notice facets (3 each), m tree node field / hash
#       pairs, then ref key / "index:origin" pairs
_APPEND = (
    _INDEX_NOTICES
    + _STORE_NODES
    + """
local n, m = tonumber(ARGV[2]), tonumber(ARGV[8])
local size = redis.call('LLEN', KEYS[1])
if ARGV[1] ~= '*' and tonumber(ARGV[1]) ~= size then return {'size', size} end
local refs = 9 + 5 * n + 2 * m
local taken = {}
for i = refs, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[5], ARGV[i]) == 1 then taken[#taken + 1] = ARGV[i] end
end
if #taken > 0 then return {'refs', taken} end
local s = ARGV[4]
if ARGV[3] == '1' then
  local root = redis.call('HGET', KEYS[4], 'root:' .. s)
  if root and root ~= ARGV[5] then return {'root', root} end
end
for i = 9, 8 + n, 1000 do
  local j = math.min(i + 999, 8 + n)
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, j))
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i + n, j + n))
end
index_notices(KEYS[6], KEYS[7], 9 + 2 * n, n)
store_nodes(KEYS[8], 9 + 5 * n, m)
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[3], s, s)
  redis.call('HSET', KEYS[4], 'root:' .. s, ARGV[5], 'note:' .. s, ARGV[6], 'ms:' .. s, ARGV[7])
end
for i = refs, #ARGV, 2 do redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1]) end
return {'ok', size + n}
"""
)
# What an upgrade adds to a feed's stored entries: their notice index and tree nodes.
# KEYS: notice index bases (both feeds, this feed), tree nodes (hash)
# ARGV: n, m, then n notice facets (3 each), m tree node field / hash pairs
_INDEX_ONLY = (
    _INDEX_NOTICES
    + _STORE_NODES
    + """
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
index_notices(KEYS[1], KEYS[2], 3, n)
store_nodes(KEYS[3], 3 + 3 * n, m)
return 1
"""
)
# A replica run and its cosignature (see Store.append_cosigned).
# KEYS: entries, leaves, checkpoint sizes (zset), checkpoint data (hash), witness state,
#       cosignatures, notice index bases (both feeds, this feed), tree nodes (hash)
# ARGV: start, n, cp size, root, note, stored_ms, has old witness, old size, old root, new size,
#       new root, cosignature field, cosignature value, m, then n entries, n leaf hashes, n
#       notice facets (3 each), m tree node field / hash pairs
_APPEND_COSIGNED = (
    _INDEX_NOTICES
    + _STORE_NODES
    + """
local n, m = tonumber(ARGV[2]), tonumber(ARGV[14])
local size = redis.call('LLEN', KEYS[1])
if tonumber(ARGV[1]) ~= size then return {'size', size} end
local cur = redis.call('HMGET', KEYS[5], 'size', 'root')
local same
if ARGV[7] == '0' then same = not cur[1] else same = cur[1] == ARGV[8] and cur[2] == ARGV[9] end
if not same then return {'witness', cur[1], cur[2]} end
local s = ARGV[3]
local root = redis.call('HGET', KEYS[4], 'root:' .. s)
if root and root ~= ARGV[4] then return {'root', root} end
for i = 15, 14 + n, 1000 do
  local j = math.min(i + 999, 14 + n)
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, j))
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i + n, j + n))
end
index_notices(KEYS[7], KEYS[8], 15 + 2 * n, n)
store_nodes(KEYS[9], 15 + 5 * n, m)
redis.call('ZADD', KEYS[3], s, s)
redis.call('HSET', KEYS[4], 'root:' .. s, ARGV[4], 'note:' .. s, ARGV[5], 'ms:' .. s, ARGV[6])
redis.call('HSET', KEYS[5], 'size', ARGV[10], 'root', ARGV[11])
redis.call('HSET', KEYS[6], ARGV[12], ARGV[13])
return {'ok', size + n}
"""
)
# KEYS: checkpoint data, cosignatures; ARGV: size, note, field, value
_COSIGN = """
if redis.call('HEXISTS', KEYS[1], 'note:' .. ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'note:' .. ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return 1
"""
# KEYS: checkpoint sizes (sorted set), heartbeats (hash); ARGV: size, field, value
_HEARTBEAT = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# KEYS: witness state; ARGV: has old, old size, old root, new size, new root
_WITNESS_CAS = """
local cur = redis.call('HMGET', KEYS[1], 'size', 'root')
local same
if ARGV[1] == '0' then same = not cur[1] else same = cur[1] == ARGV[2] and cur[2] == ARGV[3] end
if not same then return {0, cur[1], cur[2]} end
redis.call('HSET', KEYS[1], 'size', ARGV[4], 'root', ARGV[5])
return {1}
"""
# KEYS: user, user names (set), token hashes (hash); ARGV: name, role, token hash, created,
# revoked, nation, unit ("" for none)
_ADD_USER = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'name' end
if redis.call('HEXISTS', KEYS[3], ARGV[3]) == 1 then return 'token_hash' end
redis.call('HSET', KEYS[1], 'role', ARGV[2], 'token_hash', ARGV[3], 'created_ms', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'revoked_ms', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'nation', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'unit', ARGV[7]) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
return 'ok'
"""
# KEYS: user; ARGV: time
_REVOKE = """
if redis.call('HEXISTS', KEYS[1], 'created_ms') == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'revoked_ms') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'revoked_ms', ARGV[1])
return 1
"""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def _s(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _b(value: object) -> bytes:
    if not isinstance(value, bytes):
        raise StoreError(f"Redis returned {type(value).__name__} where bytes were stored")
    return value
