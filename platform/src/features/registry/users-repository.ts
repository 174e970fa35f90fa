/**
 * The SQL of operator accounts (the routes in users.ts validate, authorise, hash and answer):
 * accounts with their area, changes and password resets. Their sessions are auth/sessions.ts'.
 */
import type { Queryable } from '../../db/db.ts'

const SELECT = 'select u.*, a.name as area_name, a.path from users u join areas a on a.id = u.area_id'

/** The account's row (with its area's name and path) inside `scopePath`, or null. */
export async function userInScopeRow (q: Queryable, id: string, scopePath: string): Promise<Record<string, any> | null> {
  const { rows } = await q.query<Record<string, any>>(`${SELECT} where u.id = $1 and a.path like $2 || '%'`, [id, scopePath])
  return rows[0] ?? null
}

/** Accounts under `scopePath`, by username. */
export async function listUsers (q: Queryable, scopePath: string): Promise<Array<Record<string, any>>> {
  const { rows } = await q.query<Record<string, any>>(`${SELECT} where a.path like $1 || '%' order by u.username`, [scopePath])
  return rows
}

export interface NewUser { id: string, username: string, passwordHash: string, role: string, areaId: string, displayName?: string | null }

export async function insertUser (tx: Queryable, u: NewUser): Promise<void> {
  await tx.query('insert into users (id, username, password_hash, role, area_id, display_name) values ($1, $2, $3, $4, $5, $6)',
    [u.id, u.username, u.passwordHash, u.role, u.areaId, u.displayName ?? null])
}

/** Applies the given fields (absent ones stay). */
export async function updateUser (tx: Queryable, id: string, b: { role?: string, areaId?: string, displayName?: string, disabled?: boolean }): Promise<void> {
  await tx.query(`update users set role = coalesce($2, role), area_id = coalesce($3, area_id), display_name = coalesce($4, display_name),
                    disabled = coalesce($5, disabled), updated_at = now() where id = $1`,
  [id, b.role ?? null, b.areaId ?? null, b.displayName ?? null, b.disabled ?? null])
}

export async function setPasswordHash (tx: Queryable, id: string, hash: string): Promise<void> {
  await tx.query('update users set password_hash = $2, updated_at = now() where id = $1', [id, hash])
}
