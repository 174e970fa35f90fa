import { randomUUID } from 'node:crypto'
import type { Db } from '../../db/db.ts'
import { generatePassword, hashPassword } from './passwords.ts'

export interface BootstrapResult {
  /** set when this start created the first administrator */
  created: boolean
  username: string
  /** set only when the password was generated here: print it once */
  generatedPassword: string | null
  rootAreaId: string
}

/**
 * First start with no users: creates the root area (the city) and the first
 * administrator, scoped to it. The password comes from ADMIN_PASSWORD or is generated.
 */
export async function ensureAdmin (db: Db, opts: { username: string, password: string | null, rootAreaName?: string }): Promise<BootstrapResult> {
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(4242002)')
    const root = await tx.query<{ id: string }>('select id from areas where parent_id is null order by created_at limit 1')
    const users = await tx.query<{ n: string }>('select count(*) as n from users')
    if (Number(users.rows[0].n) > 0) return { created: false, username: opts.username, generatedPassword: null, rootAreaId: root.rows[0]?.id ?? '' }
    let rootAreaId = root.rows[0]?.id
    if (!rootAreaId) {
      rootAreaId = randomUUID()
      await tx.query(`insert into areas (id, name, level, parent_id, path) values ($1, $2, 'city', null, $3)`, [rootAreaId, opts.rootAreaName ?? '市级应急响应中心', `/${rootAreaId}/`])
    }
    const password = opts.password ?? generatePassword()
    await tx.query(`insert into users (id, username, password_hash, role, area_id, display_name) values ($1, $2, $3, 'admin', $4, $5)`,
      [randomUUID(), opts.username, await hashPassword(password), rootAreaId, '系统管理员'])
    await tx.query(`insert into audit_log (username, action, target_type, data) values ($1, 'user.bootstrap_admin', 'user', $2)`,
      [opts.username, JSON.stringify({ generated: opts.password === null })])
    return { created: true, username: opts.username, generatedPassword: opts.password === null ? password : null, rootAreaId }
  })
}
