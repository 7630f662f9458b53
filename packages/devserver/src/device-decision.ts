import type { DevServerUser } from './default-users.js'
import { DevServerError } from './dev-server-error.js'
import type { ProviderDeviceCode, ProviderInstance } from './provider-types.js'

async function findPending(
  provider: ProviderInstance,
  userCode: string,
): Promise<ProviderDeviceCode> {
  if (typeof userCode !== 'string' || userCode === '') {
    const error = new TypeError(
      'the "userCode" argument must be a non-empty string',
    ) as TypeError & {
      code: string
    }
    error.code = 'ERR_INVALID_ARG_TYPE'
    throw error
  }
  // oidc-provider stores user codes without the mask and in upper case ("BCDF-GHJK" → "BCDFGHJK").
  const code = await provider.DeviceCode.findByUserCode(userCode.toUpperCase().replace(/\W/g, ''))
  if (!code || code.isExpired) {
    throw new DevServerError('ERR_DEVICE_CODE_NOT_FOUND', 'unknown or expired user code')
  }
  if (code.accountId || code.error) {
    throw new DevServerError('ERR_DEVICE_CODE_NOT_FOUND', 'the user code was already used')
  }
  return code
}

/**
 * Approves a pending device authorization (RFC 8628 §3.3) in-process, as if `user` had entered
 * the code and consented; the next poll returns tokens.
 */
export async function approveDeviceCode(
  provider: ProviderInstance,
  userCode: string,
  user: DevServerUser,
): Promise<void> {
  const code = await findPending(provider, userCode)
  const scope = typeof code.params.scope === 'string' ? code.params.scope : 'openid'
  const grant = new provider.Grant({ accountId: user.sub, clientId: code.clientId })
  grant.addOIDCScope(scope)
  const resource = code.params.resource
  if (typeof resource === 'string') {
    grant.addResourceScope(resource, scope)
    // What oidc-provider's own device page records: without it the token request, which sends
    // no `resource` (RFC 8628 §3.4), gets an opaque token instead of a JWT for the API.
    code.resource = resource
  }
  code.accountId = user.sub
  code.grantId = await grant.save()
  code.scope = scope
  code.authTime = Math.floor(Date.now() / 1000)
  await code.save()
}

/**
 * Denies a pending device authorization: the next poll fails with `access_denied`
 * (RFC 8628 §3.5).
 */
export async function denyDeviceCode(provider: ProviderInstance, userCode: string): Promise<void> {
  const code = await findPending(provider, userCode)
  code.error = 'access_denied'
  code.errorDescription = 'End-User denied the authorization request'
  await code.save()
}
