package redislimit

import "github.com/redis/go-redis/v9"

// reserveScript is GCRA (the generic cell rate algorithm) with waiting:
// the key holds the theoretical arrival time (TAT) in microseconds of
// Redis's clock, the moment the budget would be whole again. A request of
// n takes n intervals from it and may go once the TAT is no more than
// burst intervals ahead. The reservation is made even when the caller must
// wait, so that waiters queue in Redis, unless the wait exceeds the
// caller's bound: then nothing changes and the wait is reported.
//
// KEYS[1]: the key. ARGV: interval (µs), burst, n, the longest wait the
// caller accepts (µs; negative for no bound). Returns {1 or 0 (reserved),
// wait in µs, the TAT it set}. Numbers travel as strings: Redis would
// truncate Lua's doubles to integers.
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local maxwait = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local newtat = tat + n * interval
local wait = newtat - burst * interval - now
if wait < 0 then wait = 0 end
if maxwait >= 0 and wait > maxwait then
  return {0, string.format('%.0f', wait), ''}
end
local s = string.format('%.3f', newtat)
redis.call('SET', KEYS[1], s, 'PX', math.ceil((newtat - now) / 1000) + 1000)
return {1, string.format('%.0f', wait), s}
`)

// cancelScript gives back a reservation whose waiter gave up, if no later
// reservation was made on top of it; otherwise its slot passes unused.
//
// KEYS[1]: the key. ARGV: the TAT the reservation set, the time it took
// (µs).
var cancelScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], string.format('%.3f', tonumber(ARGV[1]) - tonumber(ARGV[2])), 'KEEPTTL')
  return 1
end
return 0
`)
