import * as oauth from 'oauth4webapi'
import type { ServerMetadata } from './discover.js'
import type { HttpOptions } from './http-options.js'

/**
 * Everything a protocol call needs to know about the client and the server it talks to. Leaf
 * packages build one per client object (after {@link discover}) and pass it to core's grant
 * functions; it holds no mutable state.
 */
export interface ClientContext {
  /** The authorization server's validated metadata. */
  metadata: ServerMetadata
  /**
   * The client's registration, wire spelling (`client_id`, ...). With {@link withJweDecryption}
   * it also carries oauth4webapi's `jweDecrypt` hook, and is then handed to oauth4webapi as the
   * options of response processing too.
   */
  client: oauth.Client & oauth.JWEDecryptOptions
  /** How the client authenticates at the token endpoint (RFC 6749 §2.3); `None()` for public clients. */
  clientAuth: oauth.ClientAuth
  /** HTTP options applied to every request. */
  http?: HttpOptions
  /** A DPoP handle (RFC 9449) when requests are sender-constrained. */
  dpop?: oauth.DPoPHandle
}

/** Options of {@link createClientContext}. */
export interface ClientContextOptions {
  /** The authorization server's validated metadata, from {@link discover}. */
  metadata: ServerMetadata
  /** The client identifier (RFC 6749 §2.2). */
  clientId: string
  /** Client authentication; defaults to none (a public client). */
  clientAuth?: oauth.ClientAuth
  /** HTTP options for every request. */
  http?: HttpOptions
  /** A DPoP handle, when tokens are sender-constrained (RFC 9449). */
  dpop?: oauth.DPoPHandle
  /**
   * Seconds of clock difference tolerated when checking JWT `exp`, `nbf` and `iat`. Default 5:
   * short on purpose (RFC 9700 §4.17 asks for short-lived, tightly checked artefacts).
   */
  clockTolerance?: number
}

/** Builds a {@link ClientContext}. */
export function createClientContext(options: ClientContextOptions): ClientContext {
  const client: oauth.Client = {
    client_id: options.clientId,
    [oauth.clockTolerance]: options.clockTolerance ?? 5,
  }
  const context: ClientContext = {
    metadata: options.metadata,
    client,
    clientAuth: options.clientAuth ?? oauth.None(),
  }
  if (options.http) context.http = options.http
  if (options.dpop) context.dpop = options.dpop
  return context
}
