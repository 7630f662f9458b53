/**
 * Runs `task` holding the exclusive Web Lock `name`, so that only one tab of the origin runs it at
 * a time. Where the Web Locks API is missing (old browsers, some test environments) `task` runs
 * at once: the in-tab single-flight still holds, only cross-tab serialisation is lost.
 *
 * @see https://w3c.github.io/web-locks/#api-lock-manager-request
 */
export function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator?.locks
  return locks ? (locks.request(name, task) as Promise<T>) : task()
}
