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
# this feed's; ARGV[first ...] holds member, kind, precedence, live for each of n entries (""
# member: not a notice entry, not listed). ``live`` (sorted set of this feed, scored by until
# when deconfliction looks at it: see base.notice_facts) holds the members of the operations and
# emergencies ("" live: another kind).
_INDEX_NOTICES = """
local function index_notices(all, own, live, first, n)
  for i = first, first + 4 * n - 1, 4 do
    local m = ARGV[i]
    if m ~= '' then
      local k, p = '|k|' .. ARGV[i + 1], '|p|' .. ARGV[i + 2]
      for _, base in ipairs({all, own}) do
        redis.call('ZADD', base, 0, m)
        redis.call('ZADD', base .. k, 0, m)
        redis.call('ZADD', base .. p, 0, m)
        redis.call('ZADD', base .. k .. p, 0, m)
      end
      if ARGV[i + 3] ~= '' then redis.call('ZADD', live, ARGV[i + 3], m) end
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
# The notice state (see RedisStore.notice_states). Per feed: ``notice`` (hash) index -> appended
# time, then the implausible bracket if flagged ("ms" or "ms after before"); ``open`` (sorted set
# scored by index) "index time precedence" of each notice awaiting an answer; ``links`` (sorted
# set, lex) "target index (12 digits) origin index (12 digits) how leaf-hash-hex" of each entry
# that refers to one of this feed's (only an ack, a cancel or an update answers it; a liaison's
# ``regarding`` does not). ``nid`` (sorted set, lex, of the feeds written with ``append``):
# "id-hex origin index (12 digits)". The links of a batch may name entries of other feeds:
# KEYS[g], KEYS[g + 1], KEYS[g + 2] are the leaves, open set and links of the feed of group g,
# KEYS[own] this feed's.
# ARGV[first ...], q in all: per notice entry its index, index in 12 digits, leaf hash hex, id
# member ('' in a cosigned append: only the own feed's ids are kept), notice value, open member
# ('' if it needs no answer), r, then per link of it: group, target index ('' if none could be
# stored), target leaf hash, link member.
_INDEX_STATE = """
local function index_state(notice, nid, own, first, q)
  local i, last = first, first + q - 1
  while i <= last do
    local idx, pad, hex = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    local r = tonumber(ARGV[i + 6])
    redis.call('HSET', notice, idx, ARGV[i + 4])
    if ARGV[i + 3] ~= '' then redis.call('ZADD', nid, 0, ARGV[i + 3]) end
    if ARGV[i + 5] ~= '' then
      local answered = false
      local tail = ' ' .. hex
      local links = redis.call('ZRANGEBYLEX', KEYS[own + 2], '[' .. pad .. ' ', '(' .. pad .. '!')
      for _, m in ipairs(links) do
        if string.sub(m, -#tail) == tail and not string.find(m, ' regarding ', 1, true) then
          answered = true
        end
      end
      if not answered then redis.call('ZADD', KEYS[own + 1], idx, ARGV[i + 5]) end
    end
    for j = i + 7, i + 6 + 4 * r, 4 do
      local g, t = tonumber(ARGV[j]), ARGV[j + 1]
      redis.call('ZADD', KEYS[g + 2], 0, ARGV[j + 3])
      if t ~= '' and redis.call('LINDEX', KEYS[g], t) == ARGV[j + 2] then
        redis.call('ZREMRANGEBYSCORE', KEYS[g + 1], t, t)
      end
    end
    i = i + 7 + 4 * r
  end
end
"""
# KEYS: entries, leaves, checkpoint sizes (zset), checkpoint data (hash), refs (hash), notice
#       index bases (both feeds, this feed), tree nodes (hash), notice (hash), ids (zset), live
#       (zset), then the link groups (this feed's first)
# ARGV: start ('*': no entries, no size check), n, has checkpoint, cp size, root, note, stored_ms,
#       m, q, then n entries, n leaf hashes, n notice facets (4 each), m tree node field / hash
#       pairs, q notice state arguments, then ref key / "index:origin" pairs
_APPEND = (
    _INDEX_NOTICES
    + _STORE_NODES
    + _INDEX_STATE
    + """
local n, m, q = tonumber(ARGV[2]), tonumber(ARGV[8]), tonumber(ARGV[9])
local size = redis.call('LLEN', KEYS[1])
if ARGV[1] ~= '*' and tonumber(ARGV[1]) ~= size then return {'size', size} end
local refs = 10 + 6 * n + 2 * m + q
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
for i = 10, 9 + n, 1000 do
  local j = math.min(i + 999, 9 + n)
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, j))
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i + n, j + n))
end
index_notices(KEYS[6], KEYS[7], KEYS[11], 10 + 2 * n, n)
store_nodes(KEYS[8], 10 + 6 * n, m)
index_state(KEYS[9], KEYS[10], 12, 10 + 6 * n + 2 * m, q)
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[3], s, s)
  redis.call('HSET', KEYS[4], 'root:' .. s, ARGV[5], 'note:' .. s, ARGV[6], 'ms:' .. s, ARGV[7])
end
for i = refs, #ARGV, 2 do redis.call('HSET', KEYS[5], ARGV[i], ARGV[i + 1]) end
return {'ok', size + n}
"""
)
# What an upgrade adds to a feed's stored entries: their notice index, tree nodes and state.
# KEYS: notice index bases (both feeds, this feed), tree nodes (hash), notice (hash), ids (zset),
#       live (zset), then the link groups (this feed's first)
# ARGV: n, m, q, then n notice facets (4 each), m tree node field / hash pairs, q notice state
#       arguments
_INDEX_ONLY = (
    _INDEX_NOTICES
    + _STORE_NODES
    + _INDEX_STATE
    + """
local n, m, q = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
index_notices(KEYS[1], KEYS[2], KEYS[6], 4, n)
store_nodes(KEYS[3], 4 + 4 * n, m)
index_state(KEYS[4], KEYS[5], 7, 4 + 4 * n + 2 * m, q)
return 1
"""
)
# A replica run and its cosignature (see Store.append_cosigned).
# KEYS: entries, leaves, checkpoint sizes (zset), checkpoint data (hash), witness state,
#       cosignatures, notice index bases (both feeds, this feed), tree nodes (hash), notice
#       (hash), ids (zset), live (zset), then the link groups (this feed's first)
# ARGV: start, n, cp size, root, note, stored_ms, has old witness, old size, old root, new size,
#       new root, cosignature field, cosignature value, m, q, then n entries, n leaf hashes, n
#       notice facets (4 each), m tree node field / hash pairs, q notice state arguments
_APPEND_COSIGNED = (
    _INDEX_NOTICES
    + _STORE_NODES
    + _INDEX_STATE
    + """
local n, m, q = tonumber(ARGV[2]), tonumber(ARGV[14]), tonumber(ARGV[15])
local size = redis.call('LLEN', KEYS[1])
if tonumber(ARGV[1]) ~= size then return {'size', size} end
local cur = redis.call('HMGET', KEYS[5], 'size', 'root')
local same
if ARGV[7] == '0' then same = not cur[1] else same = cur[1] == ARGV[8] and cur[2] == ARGV[9] end
if not same then return {'witness', cur[1], cur[2]} end
local s = ARGV[3]
local root = redis.call('HGET', KEYS[4], 'root:' .. s)
if root and root ~= ARGV[4] then return {'root', root} end
for i = 16, 15 + n, 1000 do
  local j = math.min(i + 999, 15 + n)
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, j))
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i + n, j + n))
end
index_notices(KEYS[7], KEYS[8], KEYS[12], 16 + 2 * n, n)
store_nodes(KEYS[9], 16 + 6 * n, m)
index_state(KEYS[10], KEYS[11], 13, 16 + 6 * n + 2 * m, q)
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
# KEYS: checkpoint sizes (sorted set), heartbeats (hash), heartbeats by timestamp (sorted set);
# ARGV: size, field ("timestamp witness"), value, timestamp
_HEARTBEAT = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) == 1 then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
end
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
