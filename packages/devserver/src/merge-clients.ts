import type { ClientMetadata } from './dev-server-options.js'

/**
 * Merges the `clients` option over the built-in clients: an existing id is merged over the
 * built-in metadata, a new id adds a client. `client_id` always equals the key.
 */
export function mergeClients(
  builtIn: Record<string, ClientMetadata>,
  overrides: Record<string, ClientMetadata>,
): Record<string, ClientMetadata> {
  const merged: Record<string, ClientMetadata> = {}
  for (const [id, metadata] of Object.entries(builtIn)) {
    merged[id] = { ...metadata, ...overrides[id], client_id: id }
  }
  for (const [id, metadata] of Object.entries(overrides)) {
    if (!(id in merged)) merged[id] = { ...metadata, client_id: id }
  }
  return merged
}
