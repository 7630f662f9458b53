// @azure/msal-node pointed at a local token server. msal-node insists on an https authority: its
// documented `networkClient` hook maps the https authority onto the local http server, and
// `authorityMetadata` spares it a discovery request.
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node'

const authority = 'https://login.bench.local/tenant'

async function send(issuer, url, method, options = {}) {
  const response = await fetch(url.replace(authority, issuer), {
    method,
    headers: options.headers,
    body: options.body,
  })
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.json(),
  }
}

/**
 * A confidential msal-node client for `issuer` (the bench token server), with `cache` (msal's
 * `cache` configuration, e.g. a `cachePlugin`) when given; errors only in its log.
 */
export function createLocalMsal({ issuer, clientId, clientSecret, cache }) {
  return new ConfidentialClientApplication({
    auth: {
      clientId,
      clientSecret,
      authority,
      knownAuthorities: ['login.bench.local'],
      protocolMode: 'OIDC',
      authorityMetadata: JSON.stringify({
        issuer: authority,
        token_endpoint: `${authority}/token`,
        authorization_endpoint: `${authority}/authorize`,
        jwks_uri: `${authority}/jwks`,
        end_session_endpoint: `${authority}/logout`,
      }),
    },
    ...(cache ? { cache } : {}),
    system: {
      networkClient: {
        sendGetRequestAsync: (url, options) => send(issuer, url, 'GET', options),
        sendPostRequestAsync: (url, options) => send(issuer, url, 'POST', options),
      },
      loggerOptions: { logLevel: LogLevel.Error, loggerCallback: () => {} },
    },
  })
}
