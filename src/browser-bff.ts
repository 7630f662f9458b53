/**
 * oauthkit/browser/bff: re-exports `@oauthkit/browser/bff` (the browser side of a Backend for
 * Frontend: no token in the browser).
 *
 * @packageDocumentation
 */
export * from '@oauthkit/browser/bff'
