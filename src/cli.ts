/**
 * oauthkit/cli: re-exports `@oauthkit/cli`.
 *
 * @packageDocumentation
 */
export * from '@oauthkit/cli'
