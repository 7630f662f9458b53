// oidc-provider reports through console.warn/console.info lines prefixed "oidc-provider WARNING:"
// or "oidc-provider NOTICE:" (the Node 20 runtime warning at import, default-function notices on
// first use). A reference-counted filter hides exactly those lines while any quiet server runs
// and leaves every other console line alone.

let holders = 0
let restore: (() => void) | undefined

const NOISE = /^oidc-provider (WARNING|NOTICE)\b/

type ConsoleMethod = (...data: unknown[]) => void

function filtered(original: ConsoleMethod): ConsoleMethod {
  return (...data: unknown[]): void => {
    if (typeof data[0] === 'string' && NOISE.test(data[0])) return
    original(...data)
  }
}

/** Starts filtering oidc-provider console noise; call the returned function to stop. */
export function acquireQuietConsole(): () => void {
  if (holders === 0) {
    const { warn, info } = console
    console.warn = filtered(warn)
    console.info = filtered(info)
    restore = () => {
      console.warn = warn
      console.info = info
    }
  }
  holders++
  let released = false
  return () => {
    if (released) return
    released = true
    holders--
    if (holders === 0) {
      restore?.()
      restore = undefined
    }
  }
}
