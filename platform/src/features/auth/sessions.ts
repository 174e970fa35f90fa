/** Sign-in sessions' SQL: bearer tokens are stored as SHA-256 only, expiring and revocable. */
import type { Role } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { hashToken } from './tokens.ts'

/** The operator behind a request or socket, with the area subtree they may see. */
export interface AuthUser {
  id: string
  username: string
  role: Role
  areaId: string
  /** materialised path of the user's area; every visible record's area path starts with it */
  areaPath: string
  tokenHash: string
  /** when the token stops being valid (a socket opened with it is disconnected then) */
  expiresAt: Date
}

export interface LoginUser { id: string, username: string, password_hash: string, role: Role, area_id: string, display_name: string | null, disabled: boolean, path: string }

/** Resolves a bearer token to its user, or null when unknown, expired, revoked or the user is disabled. */
export async function userForToken (db: Queryable, token: string): Promise<AuthUser | null> {
  const tokenHash = hashToken(token)
  const { rows } = await db.query<{ id: string, username: string, role: Role, area_id: string, path: string, expires_at: Date }>(
    `select u.id, u.username, u.role, u.area_id, a.path, t.expires_at
       from auth_tokens t join users u on u.id = t.user_id join areas a on a.id = u.area_id
      where t.token_hash = $1 and t.revoked_at is null and t.expires_at > now() and not u.disabled`, [tokenHash])
  const r = rows[0]
  return r ? { id: r.id, username: r.username, role: r.role, areaId: r.area_id, areaPath: r.path, tokenHash, expiresAt: new Date(r.expires_at) } : null
}

/** The account a sign-in names (usernames compare case-insensitively). */
export async function findLoginUser (db: Queryable, username: string): Promise<LoginUser | undefined> {
  const { rows } = await db.query<LoginUser>(
    'select u.id, u.username, u.password_hash, u.role, u.area_id, u.display_name, u.disabled, a.path from users u join areas a on a.id = u.area_id where lower(u.username) = lower($1)', [username])
  return rows[0]
}

export async function createSession (db: Queryable, token: string, userId: string, expiresAt: Date): Promise<void> {
  await db.query('insert into auth_tokens (token_hash, user_id, expires_at) values ($1, $2, $3)', [hashToken(token), userId, expiresAt])
}

export async function revokeSession (db: Queryable, tokenHash: string): Promise<void> {
  await db.query('update auth_tokens set revoked_at = now() where token_hash = $1', [tokenHash])
}

/** Revokes every live session of the user; returns their token hashes (to drop the sockets signed in with them). */
export async function revokeUserSessions (db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ token_hash: string }>('update auth_tokens set revoked_at = now() where user_id = $1 and revoked_at is null returning token_hash', [userId])
  return rows.map((r) => r.token_hash)
}
