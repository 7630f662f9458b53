// An unbounded Map-backed oidc-provider adapter. The built-in memory adapter is an LRU of about
// 1000 entries that silently evicts sessions, grants and refresh tokens in long suites (research
// §7.3), so every server gets its own store that only forgets what has expired.

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string }

interface Entry {
  payload: Payload
  expiresAt: number
}

/** The per-server storage shared by all adapter instances of one provider. */
export interface MemoryStore {
  entries: Map<string, Entry>
  sessionUids: Map<string, string>
  userCodes: Map<string, string>
  grants: Map<string, Set<string>>
}

/** Creates an empty store. */
export function createMemoryStore(): MemoryStore {
  return { entries: new Map(), sessionUids: new Map(), userCodes: new Map(), grants: new Map() }
}

/** Adapter methods oidc-provider calls, per model name. */
export interface MemoryAdapter {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>
  find(id: string): Promise<Payload | undefined>
  findByUid(uid: string): Promise<Payload | undefined>
  findByUserCode(userCode: string): Promise<Payload | undefined>
  consume(id: string): Promise<void>
  destroy(id: string): Promise<void>
  revokeByGrantId(grantId: string): Promise<void>
}

/** Returns the adapter factory oidc-provider expects (`adapter: (modelName) => adapter`). */
export function createMemoryAdapter(store: MemoryStore): (model: string) => MemoryAdapter {
  return (model) => {
    const key = (id: string): string => `${model}:${id}`
    const read = (fullKey: string): Payload | undefined => {
      const entry = store.entries.get(fullKey)
      if (!entry) return undefined
      // Expired entries are dropped on read, as a TTL store would; nothing is evicted otherwise.
      if (entry.expiresAt <= Date.now()) {
        store.entries.delete(fullKey)
        return undefined
      }
      return entry.payload
    }
    return {
      async upsert(id, payload, expiresIn) {
        const fullKey = key(id)
        const expiresAt =
          typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY
        store.entries.set(fullKey, { payload, expiresAt })
        if (model === 'Session' && typeof payload.uid === 'string') {
          store.sessionUids.set(payload.uid, id)
        }
        if (typeof payload.userCode === 'string') store.userCodes.set(payload.userCode, id)
        if (typeof payload.grantId === 'string') {
          const members = store.grants.get(payload.grantId) ?? new Set<string>()
          members.add(fullKey)
          store.grants.set(payload.grantId, members)
        }
      },
      async find(id) {
        return read(key(id))
      },
      async findByUid(uid) {
        const id = store.sessionUids.get(uid)
        return id === undefined ? undefined : read(key(id))
      },
      async findByUserCode(userCode) {
        const id = store.userCodes.get(userCode)
        return id === undefined ? undefined : read(key(id))
      },
      async consume(id) {
        const payload = read(key(id))
        if (payload) payload.consumed = Math.floor(Date.now() / 1000)
      },
      async destroy(id) {
        store.entries.delete(key(id))
      },
      async revokeByGrantId(grantId) {
        for (const member of store.grants.get(grantId) ?? []) store.entries.delete(member)
        store.grants.delete(grantId)
      },
    }
  }
}

/** A refresh token the server would still accept: issued, not rotated out, revoked or expired. */
export interface LiveRefreshToken {
  /** The client it was issued to. */
  clientId: string
  /** The user's account id. */
  accountId: string
  /** The grant it belongs to. */
  grantId: string
}

/**
 * The refresh tokens in `store` that the server would still accept. With rotation, a used one is
 * marked consumed (and its reuse revokes the grant): only unconsumed, unexpired ones are live.
 */
export function liveRefreshTokens(store: MemoryStore): LiveRefreshToken[] {
  const live: LiveRefreshToken[] = []
  const now = Date.now()
  for (const [key, { payload, expiresAt }] of store.entries) {
    if (!key.startsWith('RefreshToken:') || expiresAt <= now || payload.consumed) continue
    live.push({
      clientId: String(payload.clientId),
      accountId: String(payload.accountId),
      grantId: String(payload.grantId),
    })
  }
  return live
}
