/**
 * oauthkit/browser: re-exports `@oauthkit/browser`.
 *
 * @packageDocumentation
 */
export * from '@oauthkit/browser'
