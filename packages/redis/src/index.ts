/**
 * `@oauthkit/redis`: one token cache and one session store for a fleet of processes, in Redis,
 * with the distributed lock that makes a token request happen once per fleet. Works with the
 * `redis` (node-redis) and `ioredis` clients the application already has.
 *
 * @packageDocumentation
 */

export type { RedisSessionStore, RedisStoreOptions } from './create-redis-store.js'
export { createRedisStore } from './create-redis-store.js'
export type { IoRedisClient, NodeRedisClient, RedisClient } from './redis-command.js'
export { redisChannels } from './redis-diagnostics.js'
