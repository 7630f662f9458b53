/**
 * oauthkit: one install for every runtime. The root entry is `@oauthkit/core`; each runtime has
 * its own subpath: `oauthkit/browser`, `oauthkit/node`, `oauthkit/cli`.
 *
 * @packageDocumentation
 */
export * from '@oauthkit/core'
