import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DevServerRequest } from './dev-server-options.js'
import type { ErrorEventLog } from './error-event-log.js'
import { endpointForPath, type RequestLog } from './request-log.js'

/** Inputs for {@link createRequestListener}. */
export interface RequestListenerInputs {
  /** oidc-provider's request handler (`provider.callback()`). */
  handle: (req: IncomingMessage, res: ServerResponse) => void
  /** Where every request is counted. */
  log: RequestLog
  /** Where a failing `onRequest` callback is reported. */
  errors: ErrorEventLog
  /** The user's `onRequest` option. */
  onRequest: ((request: DevServerRequest) => unknown) | undefined
}

/**
 * The `request` listener of the dev server's HTTP server: logs each request, hands it to
 * oidc-provider, and reports it to `onRequest` once the response is sent.
 */
export function createRequestListener(
  inputs: RequestListenerInputs,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { handle, log, errors, onRequest } = inputs
  const report = (entry: DevServerRequest): void => {
    if (!onRequest) return
    // `onRequest` runs in a 'finish' listener: a throw there would be an uncaught exception that
    // ends the process (the test run), and an async callback's rejection an unhandled one.
    const fail = (error: unknown): void => {
      errors.add({
        event: 'onRequest.error',
        error: error instanceof Error ? error.name : 'Error',
        detail: error instanceof Error ? error.message : String(error),
        path: entry.path,
        at: Date.now(),
      })
    }
    try {
      const result = onRequest({ ...entry })
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        ;(result as PromiseLike<unknown>).then(undefined, fail)
      }
    } catch (error) {
      fail(error)
    }
  }
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const entry: DevServerRequest = {
      method: req.method ?? 'GET',
      path,
      endpoint: endpointForPath(path),
      status: 0,
    }
    // Counted on arrival so a count read right after a response is never short.
    log.add(entry)
    res.once('finish', () => {
      entry.status = res.statusCode
      report(entry)
    })
    handle(req, res)
  }
}
