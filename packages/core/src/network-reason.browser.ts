/**
 * {@link networkReason} in browser bundles (the package.json `browser` field maps
 * network-reason.ts here): a browser's failed fetch is a bare TypeError with no `code` anywhere
 * along its causes, so the table of Node and undici codes could never match and is left out.
 *
 * @internal
 */
export function networkReason(_err: unknown): string | undefined {
  return undefined
}
