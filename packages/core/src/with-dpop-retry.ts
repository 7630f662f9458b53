import * as oauth from 'oauth4webapi'
import type { ClientContext } from './client-context.js'

/**
 * Runs `call`, and once more if the server demanded a DPoP nonce (RFC 9449 §8): the handle has
 * then learned the nonce, so the retry carries it. Without DPoP it runs `call` once.
 */
export async function withDPoPRetry<T>(context: ClientContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (context.dpop && oauth.isDPoPNonceError(err)) return call()
    throw err
  }
}
