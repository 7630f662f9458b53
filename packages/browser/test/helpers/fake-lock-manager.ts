type Callback = () => Promise<unknown>

/**
 * An exclusive-only `navigator.locks` for environments without the Web Locks API: requests for a
 * name run one after another, in order; `signal` gives up a wait, as in the real API. Chromium
 * tests prove the real one.
 */
export function installFakeLockManager(): () => void {
  const tails = new Map<string, Promise<unknown>>()
  const locks = {
    request(
      name: string,
      optionsOrCallback: { signal?: AbortSignal } | Callback,
      maybeCallback?: Callback,
    ): Promise<unknown> {
      const callback = (maybeCallback ?? optionsOrCallback) as Callback
      const signal = maybeCallback
        ? (optionsOrCallback as { signal?: AbortSignal }).signal
        : undefined
      const previous = tails.get(name) ?? Promise.resolve()
      let granted = false
      // A request given up before its turn never runs.
      const grant = () => {
        if (signal?.aborted) return undefined
        granted = true
        return callback()
      }
      const run = previous.then(grant, grant)
      tails.set(
        name,
        run.catch(() => {}),
      )
      if (!signal) return run
      return new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => {
          if (!granted) reject(signal.reason)
        })
        run.then(resolve, reject)
      })
    },
  }
  Object.defineProperty(navigator, 'locks', { value: locks, configurable: true })
  return () => {
    Reflect.deleteProperty(navigator, 'locks')
  }
}
