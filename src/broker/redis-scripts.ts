/**
 * The Lua scripts of the Redis store (src/broker/redis-store.ts): each state change of signaling-v1 §4 to §7
 * runs as one script, so it is atomic across broker instances. Key layout, every key under the prefix P:
 *
 * | key          | type   | holds                                                   | lifetime                      |
 * | ------------ | ------ | ------------------------------------------------------- | ----------------------------- |
 * | P v:<id>     | hash   | the volunteer's current poll: poll, inst, pools, data   | poll timeout + 2 x slack      |
 * | P w          | zset   | waiting volunteer ids, score = deadline (Redis ms)      | refreshed while used          |
 * | P p:<eg>:<n> | zset   | public pool per egress hash and NAT class, best first   | refreshed while used          |
 * | P p:<eg>:<n>:<f> | zset | the same for pairing pool f (a keyed hash of the tag) | refreshed while used          |
 * | P d:<pollId> | string | the offer a claim handed to that poll, until it is read | answer timeout + slack        |
 * | P o:<offer>  | hash   | pending offer: state, vol, inst, and the answer's sdp   | answer timeout + slack        |
 * | P q          | zset   | pending offer ids, score = answer deadline (Redis ms)   | refreshed while used          |
 * | P s:<src>    | zset   | waiting volunteer ids of one source, score = deadline   | refreshed while used          |
 * | P r:<src>    | zset   | pending offer ids of one client source, score = deadline | refreshed while used         |
 * | P i:<inst>   | string | a broker instance is alive                              | instanceTtlMs, refreshed      |
 * | P m:<inst>   | list   | wake-ups for that instance: `w:<pollId>`, `s:<offerId>` | mailboxTtlMs                  |
 * | P k          | string | the deployment secret, base64url (signaling-v1 §1)      | secretTtlMs, refreshed        |
 *
 * Deadlines use Redis's clock (TIME), so broker clocks never have to agree. Keys are built inside the
 * scripts from the prefix, so this store needs one Redis server (or a primary with replicas), not a
 * Redis Cluster. No client address is ever stored, only source keys (HMACs, src/broker/keys.ts), each for as
 * long as the poll or offer it counts; no pairing tag either, only the pool's HMAC of it (signaling-v1 §8).
 * SDPs stay only until the other side reads them. Paired and public polls count alike against
 * `maxWaitingVolunteers` and the per-source share (`s:<src>` holds both).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const PRELUDE = `
local P = ARGV[1]
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function extend(key, ttl)
  if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
end
local function removeVolunteer(id)
  local h = P .. 'v:' .. id
  local rec = redis.call('HMGET', h, 'pools', 'src')
  if rec[1] then
    for pool in string.gmatch(rec[1], '%S+') do redis.call('ZREM', P .. 'p:' .. pool, id) end
  end
  if rec[2] then redis.call('ZREM', P .. 's:' .. rec[2], id) end
  redis.call('ZREM', P .. 'w', id)
  redis.call('DEL', h)
end
local function alive(inst)
  return redis.call('EXISTS', P .. 'i:' .. inst) == 1
end
local function live(id, inst, now)
  local deadline = redis.call('ZSCORE', P .. 'w', id)
  return deadline and tonumber(deadline) > now and alive(inst)
end
local function notify(inst, message, ttl)
  local box = P .. 'm:' .. inst
  redis.call('RPUSH', box, message)
  redis.call('PEXPIRE', box, ttl)
end
`;

/**
 * signaling-v1 §4: a poll joins the pool, replacing (and waking) the same volunteer's older poll.
 * ARGV: P, id, pollId, inst, pools (space separated), data, score, waitMs, keyTtlMs, maxWaiting,
 * mailboxTtlMs, pruneBatch, source, maxPerSource. Returns 1; 0 when the pool is full; -2 when the source
 * holds its share (a replacement from the same source does not count twice). A refused poll changes nothing.
 */
const JOIN = `
local id, pollId, inst, pools, data = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local score, waitMs, keyTtl = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local src = ARGV[13]
local now = nowMs()
for _, old in ipairs(redis.call('ZRANGEBYSCORE', P .. 'w', '-inf', now, 'LIMIT', 0, tonumber(ARGV[12]))) do
  removeVolunteer(old)
end
local sk = P .. 's:' .. src
redis.call('ZREMRANGEBYSCORE', sk, '-inf', now)
local h = P .. 'v:' .. id
local previous = redis.call('HMGET', h, 'poll', 'inst', 'src')
local same = (previous[1] and previous[3] == src) and 1 or 0
if redis.call('ZCARD', sk) - same >= tonumber(ARGV[14]) then return -2 end
if previous[1] then
  removeVolunteer(id)
  notify(previous[2], 'w:' .. previous[1], tonumber(ARGV[11]))
elseif redis.call('ZCARD', P .. 'w') >= tonumber(ARGV[10]) then
  return 0
end
redis.call('HSET', h, 'poll', pollId, 'inst', inst, 'pools', pools, 'data', data, 'src', src)
redis.call('PEXPIRE', h, keyTtl)
redis.call('ZADD', P .. 'w', now + waitMs, id)
extend(P .. 'w', keyTtl)
redis.call('ZADD', sk, now + waitMs, id)
extend(sk, keyTtl)
for pool in string.gmatch(pools, '%S+') do
  redis.call('ZADD', P .. 'p:' .. pool, score, id)
  extend(P .. 'p:' .. pool, keyTtl)
end
return 1
`;

/**
 * A poll ends (timeout, hang-up, replacement, close): leaves the pool if still in it, else takes the offer a
 * claim handed it, if any. ARGV: P, id, pollId. Returns the offer JSON or nil.
 */
const LEAVE = `
local id, pollId = ARGV[2], ARGV[3]
if redis.call('HGET', P .. 'v:' .. id, 'poll') == pollId then
  removeVolunteer(id)
  return false
end
local d = P .. 'd:' .. pollId
local offer = redis.call('GET', d)
if offer then redis.call('DEL', d) end
return offer
`;

/**
 * signaling-v1 §7: the best waiting volunteers of each pool (egress, NAT class); drops stale entries on the
 * way. ARGV: P, limit, pool... Returns the volunteers' JSON.
 */
const LIST = `
local limit = tonumber(ARGV[2])
local now = nowMs()
local out = {}
for i = 3, #ARGV do
  local pool = P .. 'p:' .. ARGV[i]
  for _, id in ipairs(redis.call('ZRANGE', pool, 0, limit - 1)) do
    local rec = redis.call('HMGET', P .. 'v:' .. id, 'data', 'inst')
    if not rec[1] then
      redis.call('ZREM', pool, id)
    elseif not live(id, rec[2], now) then
      removeVolunteer(id)
    else
      out[#out + 1] = rec[1]
    end
  end
end
return out
`;

/**
 * signaling-v1 §7: claims a waiting poll for an offer, records the offer as pending and wakes the poll.
 * ARGV: P, id, pollId, offerId, offerJson, answerMs, offerTtlMs, maxPending, clientInst, mailboxTtlMs,
 * clientSource, maxPendingPerSource. Returns 1 claimed, 0 the poll is gone, -1 the pending table is full,
 * -2 the client's source has its share of it.
 */
const CLAIM = `
local id, pollId, offerId = ARGV[2], ARGV[3], ARGV[4]
local answerMs, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local now = nowMs()
local rec = redis.call('HMGET', P .. 'v:' .. id, 'poll', 'inst')
if rec[1] ~= pollId then return 0 end
if not live(id, rec[2], now) then
  removeVolunteer(id)
  return 0
end
local o = P .. 'o:' .. offerId
if redis.call('EXISTS', o) == 1 then return 0 end
redis.call('ZREMRANGEBYSCORE', P .. 'q', '-inf', now)
if redis.call('ZCARD', P .. 'q') >= tonumber(ARGV[8]) then return -1 end
local rk = P .. 'r:' .. ARGV[11]
redis.call('ZREMRANGEBYSCORE', rk, '-inf', now)
if redis.call('ZCARD', rk) >= tonumber(ARGV[12]) then return -2 end
removeVolunteer(id)
redis.call('HSET', o, 'state', 'pending', 'vol', id, 'inst', ARGV[9], 'src', ARGV[11])
redis.call('PEXPIRE', o, ttl)
redis.call('ZADD', P .. 'q', now + answerMs, offerId)
extend(P .. 'q', ttl)
redis.call('ZADD', rk, now + answerMs, offerId)
extend(rk, ttl)
redis.call('SET', P .. 'd:' .. pollId, ARGV[5], 'PX', ttl)
notify(rec[2], 'w:' .. pollId, tonumber(ARGV[10]))
return 1
`;

/**
 * signaling-v1 §5: the volunteer's answer settles a pending offer before its deadline and wakes the client's
 * instance. ARGV: P, offerId, sdp, mailboxTtlMs. Returns 1, or 0 if not pending.
 */
const ANSWER = `
local offerId = ARGV[2]
local o = P .. 'o:' .. offerId
local rec = redis.call('HMGET', o, 'state', 'inst')
if rec[1] ~= 'pending' then return 0 end
local deadline = redis.call('ZSCORE', P .. 'q', offerId)
if not deadline or tonumber(deadline) <= nowMs() then return 0 end
redis.call('HSET', o, 'state', 'answered', 'sdp', ARGV[3])
notify(rec[2], 's:' .. offerId, tonumber(ARGV[4]))
return 1
`;

/** Cancels a pending offer and wakes the client's instance. ARGV: P, offerId, mailboxTtlMs. */
const CANCEL = `
local offerId = ARGV[2]
local o = P .. 'o:' .. offerId
local rec = redis.call('HMGET', o, 'state', 'inst')
if rec[1] ~= 'pending' then return 0 end
redis.call('HSET', o, 'state', 'cancelled')
notify(rec[2], 's:' .. offerId, tonumber(ARGV[3]))
return 1
`;

/**
 * The client's instance reads a settled offer and forgets it. ARGV: P, offerId, mode: 'peek' leaves a
 * pending offer alone; 'timeout' or 'cancelled' ends it with that outcome. Returns {state, sdp, volunteer}
 * with state 'answered', 'cancelled', 'timeout', 'pending' (peek only) or 'gone' (unknown or expired).
 */
const TAKE = `
local offerId, mode = ARGV[2], ARGV[3]
local o = P .. 'o:' .. offerId
local rec = redis.call('HMGET', o, 'state', 'sdp', 'vol', 'src')
local state = rec[1]
if not state then
  redis.call('ZREM', P .. 'q', offerId)
  return {'gone', '', ''}
end
if state == 'pending' then
  if mode == 'peek' then return {'pending', '', ''} end
  state = mode
end
redis.call('DEL', o)
redis.call('ZREM', P .. 'q', offerId)
if rec[4] then redis.call('ZREM', P .. 'r:' .. rec[4], offerId) end
return {state, rec[2] or '', rec[3] or ''}
`;

/**
 * signaling-v1 §1: the deployment secret, made by the first instance and kept alive by every heartbeat.
 * ARGV: P, candidate (a fresh random secret), ttlMs. Returns the secret in force.
 */
const SECRET = `
local k = P .. 'k'
local current = redis.call('GET', k)
if not current then
  redis.call('SET', k, ARGV[2], 'PX', tonumber(ARGV[3]))
  return ARGV[2]
end
redis.call('PEXPIRE', k, tonumber(ARGV[3]))
return current
`;

/** A Lua script run by its SHA1 (EVALSHA), sent in full once when the server does not know it yet. */
export class RedisScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(body: string) {
    this.#source = PRELUDE + body;
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
  }

  /** Runs the script with no KEYS and `args` as ARGV (the key prefix first). */
  async run(redis: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, 0, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.#source, 0, ...args);
    }
  }
}

export const SCRIPTS = {
  join: new RedisScript(JOIN),
  leave: new RedisScript(LEAVE),
  list: new RedisScript(LIST),
  claim: new RedisScript(CLAIM),
  answer: new RedisScript(ANSWER),
  cancel: new RedisScript(CANCEL),
  take: new RedisScript(TAKE),
  secret: new RedisScript(SECRET),
} as const;
