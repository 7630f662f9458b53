/**
 * An exclusive-only `navigator.locks` for environments without the Web Locks API: requests for a
 * name run one after another, in order. Chromium tests prove the real one.
 */
export function installFakeLockManager(): () => void {
  const tails = new Map<string, Promise<unknown>>()
  const locks = {
    request(name: string, callback: () => Promise<unknown>): Promise<unknown> {
      const previous = tails.get(name) ?? Promise.resolve()
      const run = previous.then(callback, callback)
      tails.set(
        name,
        run.catch(() => {}),
      )
      return run
    },
  }
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true })
  return () => {
    Reflect.deleteProperty(navigator, 'locks')
  }
}
