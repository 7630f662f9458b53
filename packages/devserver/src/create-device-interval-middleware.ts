import type { ProviderMiddleware } from './provider-types.js'

/**
 * Adds RFC 8628 §3.2 `interval` to device authorization responses: oidc-provider omits it (and
 * never sends `slow_down`), so clients would fall back to 5 s; tests configure a short one.
 */
export function createDeviceIntervalMiddleware(interval: number): ProviderMiddleware {
  return async (ctx, next) => {
    await next()
    if (
      ctx.path === '/device/auth' &&
      ctx.status === 200 &&
      typeof ctx.body === 'object' &&
      ctx.body !== null
    ) {
      ;(ctx.body as Record<string, unknown>).interval = interval
    }
  }
}
