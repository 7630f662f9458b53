// Runs a fleet of lib/fleet-child.mjs processes: all start, then all are told 'go' at once.
import { fork } from 'node:child_process'
import { once } from 'node:events'

const CHILD = new URL('./fleet-child.mjs', import.meta.url).pathname

/** @returns {Promise<{ tokens: Set<string>, errors: number, calls: number }>} */
export async function runFleet({ size, env }) {
  const children = Array.from({ length: size }, () =>
    fork(CHILD, [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  await Promise.all(children.map((child) => once(child, 'message')))
  const results = children.map((child) => once(child, 'message').then(([result]) => result))
  for (const child of children) child.send('go')
  const all = await Promise.all(results)
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : null)))
  return {
    tokens: new Set(all.flatMap((r) => r.tokens)),
    errors: all.reduce((sum, r) => sum + r.errors, 0),
    calls: all.reduce((sum, r) => sum + r.calls, 0),
  }
}
