/**
 * The two Redis clients oauthkit accepts, by the few members it uses: node-redis (`redis` v4/v5,
 * `createClient()`) and ioredis (`new Redis()`). Typed structurally so that neither library is
 * needed to compile against this package.
 */
export type RedisClient = NodeRedisClient | IoRedisClient

/** A node-redis client (`createClient()` from `redis`), connected by the application. */
export interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>
  readonly isReady: boolean
}

/** An ioredis client (`new Redis()` from `ioredis`). */
export interface IoRedisClient {
  call(command: string, ...args: string[]): Promise<unknown>
  readonly status: string
}

/** One raw Redis command, whichever client runs it. */
export interface RedisCommand {
  /** Which library the client is from. */
  readonly library: 'redis' | 'ioredis'
  /** Runs `args` (`['SET', key, value, ...]`) and resolves the reply. */
  send(args: string[]): Promise<unknown>
  /**
   * Whether the client is connected now. Both libraries queue commands while they reconnect;
   * oauthkit fails fast instead, so that a write queued during an outage cannot land later over
   * a newer value, and a caller never waits for a reconnection.
   */
  ready(): boolean
}

/** Detects which library `client` is from; `undefined` when it is neither. */
export function toRedisCommand(client: unknown): RedisCommand | undefined {
  if (typeof client !== 'object' || client === null) return undefined
  const candidate = client as Partial<NodeRedisClient & IoRedisClient>
  if (typeof candidate.sendCommand === 'function' && 'isReady' in candidate) {
    const redis = client as NodeRedisClient
    return { library: 'redis', send: (args) => redis.sendCommand(args), ready: () => redis.isReady }
  }
  if (typeof candidate.call === 'function' && typeof candidate.status === 'string') {
    const ioredis = client as IoRedisClient
    return {
      library: 'ioredis',
      send: ([command, ...args]) => ioredis.call(command as string, ...args),
      ready: () => ioredis.status === 'ready',
    }
  }
  return undefined
}
