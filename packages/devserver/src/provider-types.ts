import type { IncomingMessage, ServerResponse } from 'node:http'

// Internal, deliberately partial shapes of the oidc-provider objects this package touches.
// oidc-provider ships no types; describing only what is used keeps the public declarations free of
// a dependency on DefinitelyTyped and fails compilation here if a usage drifts.

/** Koa context as seen by oidc-provider middleware (partial). */
export interface ProviderContext {
  method: string
  path: string
  status: number
  body: unknown
  type: string
  req: IncomingMessage
  res: ServerResponse
  oidc?: {
    route?: string
    params?: Record<string, unknown>
    client?: ProviderClient
    [key: string]: unknown
  }
  redirect(url: string): void
  set(field: string, value: string): void
}

/** A Koa middleware. */
export type ProviderMiddleware = (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>

/** A client model instance (partial). */
export interface ProviderClient {
  clientId: string
  clientName?: string
  clientAuthMethod: string
  redirectUris: string[]
  grantTypeAllowed(grantType: string): boolean
}

/** A grant model instance (partial). */
export interface ProviderGrant {
  addOIDCScope(scope: string): void
  addOIDCClaims(claims: string[]): void
  addResourceScope(resource: string, scope: string): void
  save(): Promise<string>
}

/** A device code model instance (partial). */
export interface ProviderDeviceCode {
  clientId: string
  params: Record<string, unknown>
  accountId?: string
  grantId?: string
  scope?: string
  /** The resource indicator the tokens are for, as oidc-provider's device page records it. */
  resource?: string
  authTime?: number
  error?: string
  errorDescription?: string
  isExpired: boolean
  save(): Promise<string>
}

/** Details of a pending interaction (partial). */
export interface ProviderInteraction {
  uid: string
  grantId?: string
  params: Record<string, unknown>
  session?: { accountId?: string }
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> }
}

/** oidc-provider's `ResourceServer` (partial): what a token's `resourceServer` holds. */
export interface ProviderResourceServer {
  audience?: string
  scope?: string
  identifier(): string
}

/** An access or refresh token model instance (partial). */
export interface ProviderToken {
  save(): Promise<string>
  tokenType?: string
  expiration: number
  scope?: string
  grantId?: string
  /** Setting it sets the audience; `accessTokenFormat: 'jwt'` makes the token an RFC 9068 JWT. */
  resourceServer?: ProviderResourceServer
}

type TokenModel = new (properties: Record<string, unknown>) => ProviderToken

/** The oidc-provider instance (partial). */
export interface ProviderInstance {
  issuer: string
  Client: { find(id: string): Promise<ProviderClient | undefined> }
  Grant: {
    new (properties: { accountId: string; clientId: string }): ProviderGrant
    find(id: string): Promise<ProviderGrant | undefined>
  }
  AccessToken: TokenModel
  ClientCredentials: TokenModel
  RefreshToken: TokenModel
  ResourceServer: new (identifier: string, info: object) => ProviderResourceServer
  IdToken: new (
    claims: Record<string, unknown>,
    options: { ctx: ProviderContext },
  ) => { scope: string; issue(options: { use: string }): Promise<string> }
  DeviceCode: { findByUserCode(userCode: string): Promise<ProviderDeviceCode | undefined> }
  use(middleware: ProviderMiddleware): void
  on(event: string, listener: (...args: unknown[]) => void): void
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<ProviderInteraction>
  interactionResult(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<string>
  registerGrantType(
    name: string,
    handler: (ctx: ProviderContext) => Promise<void>,
    parameters?: string[],
  ): void
}

/** The `oidc-provider` module namespace (partial). */
export interface ProviderModule {
  default: new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance
  errors: {
    InvalidGrant: new (description: string) => Error
    InvalidTarget: new (description?: string) => Error
    InvalidRequest: new (description: string) => Error
  }
}
