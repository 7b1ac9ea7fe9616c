/**
 * Lua scripts that make each RedisStore method atomic inside Redis.
 *
 * Amounts: Redis Lua numbers are doubles (exact only to 2^53) and INCRBY is
 * 64-bit, but Starknet fees are u128. So amounts live in Redis as canonical
 * decimal strings and the scripts do schoolbook arithmetic on base-1e9 limbs:
 * every limb, sum and borrow stays below 2^31, far inside the exact range of
 * a double, so no intermediate is ever rounded. Strings are never converted
 * to a single Lua number.
 */

const DECIMAL = `
local BASE = 1000000000
local function num(s, key)
  if not s then return '0' end
  local d = string.match(s, '^0*(%d+)$')
  if not d then return redis.error_reply('ERR ' .. key .. ' does not hold an amount') end
  return d
end
-- least significant limb first
local function limbs(s)
  local t, i = {}, #s
  while i > 0 do
    local j = math.max(1, i - 8)
    t[#t + 1] = tonumber(string.sub(s, j, i))
    i = j - 1
  end
  return t
end
local function join(t)
  local n = #t
  while n > 1 and t[n] == 0 do n = n - 1 end
  local out = { string.format('%d', t[n]) }
  for k = n - 1, 1, -1 do out[#out + 1] = string.format('%09d', t[k]) end
  return table.concat(out)
end
local function add(a, b)
  local x, y, r, c = limbs(a), limbs(b), {}, 0
  for k = 1, math.max(#x, #y) do
    local s = (x[k] or 0) + (y[k] or 0) + c
    if s >= BASE then r[k] = s - BASE; c = 1 else r[k] = s; c = 0 end
  end
  if c > 0 then r[#r + 1] = c end
  return join(r)
end
-- a >= b is required
local function sub(a, b)
  local x, y, r, c = limbs(a), limbs(b), {}, 0
  for k = 1, #x do
    local d = x[k] - (y[k] or 0) - c
    if d < 0 then r[k] = d + BASE; c = 1 else r[k] = d; c = 0 end
  end
  return join(r)
end
-- canonical strings: longer is larger; equal lengths compare limb by limb from the top
local function cmp(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  for k = 1, #a, 9 do
    local p, q = tonumber(string.sub(a, k, k + 8)), tonumber(string.sub(b, k, k + 8))
    if p ~= q then return p < q and -1 or 1 end
  end
  return 0
end
`;

/** KEYS[1]; ARGV value, ttlMs ('0' = none). Returns {created, value}. */
export const SET_IF_ABSENT = `
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
if ARGV[2] ~= '0' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else redis.call('SET', KEYS[1], ARGV[1]) end
return {1, ARGV[1]}
`;

/** KEYS[1]; ARGV expected. */
export const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/** Compare-and-set's check and write, shared by COMPARE_AND_SET and COMMIT: ARGV hasExpected ('1'|'0'), expected, value, ttlMs. */
const CAS_CHECK = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
`;
const CAS_WRITE = `
if ARGV[4] ~= '0' then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else redis.call('SET', KEYS[1], ARGV[3]) end
`;

/** KEYS[1]; ARGV hasExpected ('1'|'0'), expected, value, ttlMs. */
export const COMPARE_AND_SET = `${CAS_CHECK}${CAS_WRITE}return 1
`;

/**
 * KEYS: the CAS key, then ARGV[5] counters to bump, then the lists to append to.
 * ARGV hasExpected, expected, value, ttlMs, nBump, then per list: value, maxLen.
 */
export const COMMIT = `${CAS_CHECK}local nBump = tonumber(ARGV[5])
for i = 2, nBump + 1 do
  local v = redis.call('GET', KEYS[i])
  if v and not string.match(v, '^%-?%d+$') then return redis.error_reply('ERR ' .. KEYS[i] .. ' does not hold an integer') end
end
${CAS_WRITE}for i = 2, nBump + 1 do redis.call('INCRBY', KEYS[i], 1) end
for j = nBump + 2, #KEYS do
  local a = 6 + 2 * (j - nBump - 2)
  redis.call('LPUSH', KEYS[j], ARGV[a])
  local max = tonumber(ARGV[a + 1])
  if max > 0 then redis.call('LTRIM', KEYS[j], 0, max - 1) end
end
return 1
`;

/** KEYS[1]; ARGV by, ttlMs. The TTL only starts a new window, never extends one. */
export const INCR = `
local existed = redis.call('EXISTS', KEYS[1])
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
`;

/**
 * KEYS: one counter per line; ARGV: amount, limit, ttlMs, renew ('1'|'0') per line.
 * Returns {1, used...} or {0, blockingIndex, used, limit}.
 * Lines may share a key, so checks run against running totals; nothing is
 * written until every line has passed.
 */
export const RESERVE = `${DECIMAL}
local pending, existed, used = {}, {}, {}
for i = 1, #KEYS do
  local k = KEYS[i]
  local cur = pending[k]
  if not cur then
    local raw = redis.call('GET', k)
    existed[k] = raw and true or false
    cur = num(raw, k)
    if type(cur) == 'table' then return cur end
  end
  local limit = ARGV[4 * i - 2]
  local nxt = add(cur, ARGV[4 * i - 3])
  if cmp(nxt, limit) > 0 then return {0, i - 1, cur, limit} end
  pending[k] = nxt
  used[i] = nxt
end
for i = 1, #KEYS do
  local k = KEYS[i]
  local v = pending[k]
  if v then
    local ttl = ARGV[4 * i - 1]
    if ttl ~= '0' and (not existed[k] or ARGV[4 * i] == '1') then redis.call('SET', k, v, 'PX', ttl)
    else redis.call('SET', k, v, 'KEEPTTL') end
    pending[k] = nil
  end
end
return {1, unpack(used)}
`;

/** KEYS[1]; ARGV sign ('+'|'-'), magnitude. Clamps at 0; an absent counter is created only by a positive result. */
export const ADJUST = `${DECIMAL}
local raw = redis.call('GET', KEYS[1])
local cur = num(raw, KEYS[1])
if type(cur) == 'table' then return cur end
local nxt
if ARGV[1] == '-' then
  if cmp(cur, ARGV[2]) <= 0 then nxt = '0' else nxt = sub(cur, ARGV[2]) end
else
  nxt = add(cur, ARGV[2])
end
if raw or nxt ~= '0' then redis.call('SET', KEYS[1], nxt, 'KEEPTTL') end
return nxt
`;

/** KEYS[1]; ARGV value, maxLen ('0' = unbounded). Newest entry is at index 0. */
export const APPEND = `
redis.call('LPUSH', KEYS[1], ARGV[1])
local max = tonumber(ARGV[2])
if max > 0 then redis.call('LTRIM', KEYS[1], 0, max - 1) end
return 1
`;
