const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char)
}

/**
 * Escapes text for HTML element content only (never an attribute value): quotes stay as typed,
 * so a page read as source (`curl`, a test) shows "client's", not "client&#39;s".
 */
export function escapeText(value: unknown): string {
  return String(value).replace(/[&<>]/g, (char) => ENTITIES[char] ?? char)
}
