/**
 * oauthkit/node: re-exports `@oauthkit/node`.
 *
 * @packageDocumentation
 */
export * from '@oauthkit/node'
