// Lua scripts run atomically by Redis: the check of the lock's owner and the write cannot be
// separated by another client's command, so a holder whose lock expired (it stalled, or its
// process paused) cannot overwrite what the next holder saved.

/**
 * KEYS: value, lock. ARGV: owner token ('' for an unfenced write), value, ttl in ms ('0': none).
 * Returns 1 when written, 0 when the token no longer owns the lock.
 */
export const FENCED_SET = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1`

/**
 * KEYS: value, lock. ARGV: owner token ('' for an unfenced delete). Returns 0 when the token no
 * longer owns the lock, otherwise `{1, the value removed or ''}`.
 */
export const FENCED_DELETE = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local old = redis.call('GET', KEYS[1])
redis.call('DEL', KEYS[1])
return {1, old or ''}`

/** KEYS: key. ARGV: the value seen. Deletes the key only while it still holds that value. */
export const DELETE_IF_EQUAL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`
