/**
 * oauthkit/node/bff: re-exports `@oauthkit/node/bff` (a Backend for Frontend on the Fetch API).
 *
 * @packageDocumentation
 */
export * from '@oauthkit/node/bff'
