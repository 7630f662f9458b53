/**
 * oauthkit/browser/dpop: re-exports `@oauthkit/browser/dpop` (sender-constrained tokens, RFC 9449).
 *
 * @packageDocumentation
 */
export * from '@oauthkit/browser/dpop'
