import { invalidArgument } from './dev-server-error.js'
import type { DevServerUserInput } from './dev-server-options.js'

/** A test user as exposed on `server.users`. */
export interface DevServerUser {
  /** Login name. */
  username: string
  /** Password accepted by the login form and the password grant. */
  password: string
  /** Subject identifier (OIDC Core §5.1 `sub`). */
  sub: string
  /** Standard claims (OIDC Core §5.1), `sub` included. */
  claims: Record<string, unknown>
}

// 2025-01-01T00:00:00Z: a fixed `updated_at` keeps ID tokens and userinfo deterministic.
const UPDATED_AT = 1_735_689_600

/** The built-in test users: alice, bob and carol (carol's email is unverified). */
export const defaultUsers: readonly DevServerUserInput[] = Object.freeze([
  {
    username: 'alice',
    password: 'alice-password',
    sub: 'user-alice',
    claims: {
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      locale: 'en-GB',
      zoneinfo: 'Europe/London',
      picture: 'https://www.gravatar.com/avatar/?d=identicon',
      updated_at: UPDATED_AT,
    },
  },
  {
    username: 'bob',
    password: 'bob-password',
    sub: 'user-bob',
    claims: {
      name: 'Bob Martín',
      given_name: 'Bob',
      family_name: 'Martín',
      preferred_username: 'bob',
      email: 'bob@example.com',
      email_verified: true,
      locale: 'es-ES',
      zoneinfo: 'Europe/Madrid',
      updated_at: UPDATED_AT,
    },
  },
  {
    username: 'carol',
    password: 'carol-password',
    sub: 'user-carol',
    claims: {
      name: 'Carol Nguyễn',
      given_name: 'Carol',
      family_name: 'Nguyễn',
      preferred_username: 'carol',
      email: 'carol@example.org',
      email_verified: false,
      locale: 'vi-VN',
      zoneinfo: 'Asia/Ho_Chi_Minh',
      updated_at: UPDATED_AT,
    },
  },
])

/** Normalises user input into {@link DevServerUser} records. */
export function toDevServerUsers(input: readonly DevServerUserInput[]): DevServerUser[] {
  return input.map((user) => {
    const sub = user.sub ?? `user-${user.username}`
    return {
      username: user.username,
      password: user.password,
      sub,
      claims: { ...user.claims, sub },
    }
  })
}

/**
 * The test user named `username`, or the first one when it is `undefined`.
 *
 * @throws `TypeError` (`ERR_INVALID_ARG_VALUE`) when no test user has that name.
 */
export function findUser(
  users: readonly DevServerUser[],
  username: string | undefined,
): DevServerUser {
  const user = username === undefined ? users[0] : users.find((item) => item.username === username)
  if (!user) throw invalidArgument('user', 'must name a test user')
  return user
}
