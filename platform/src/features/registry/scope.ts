/**
 * Area scoping shared by the registry, visits and report routes: every user sees only the
 * subtree under their area (areas.path prefix match); a record outside it answers 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { AreaLevel } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'

export const literalUnion = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)))
export const Id = Type.String({ minLength: 1, maxLength: 64 })
/**
 * Ids a client may choose (CSV imports reference rows of the same file by them). No `_` or `%`:
 * area ids make up the paths matched with LIKE, where those are wildcards and would widen a scope.
 */
export const ClientId = Type.String({ pattern: '^[A-Za-z0-9.:-]{1,64}$' })
export const IdParams = Type.Object({ id: Id })
export const PHONE_PATTERN = '^\\+?[0-9 -]{5,20}$'
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$'
export const LEVEL_ORDER: AreaLevel[] = ['city', 'district', 'street', 'community']

export interface AreaRow { id: string, name: string, level: AreaLevel, parent_id: string | null, path: string }

/** The caller's scope: the materialised path of their area. */
export const scopeOf = (req: FastifyRequest): string => req.user.areaPath

export async function areaInScope (q: Queryable, id: string, scopePath: string): Promise<AreaRow> {
  const { rows } = await q.query<AreaRow>('select id, name, level, parent_id, path from areas where id = $1 and path like $2 || \'%\'', [id, scopePath])
  if (!rows[0]) throw errors.NOT_FOUND('area')
  return rows[0]
}

/** The scope path to report on: `areaId` when given (and visible), else the caller's own area. */
export async function scopeFor (q: Queryable, req: FastifyRequest, areaId: string | undefined): Promise<AreaRow> {
  return areaInScope(q, areaId ?? req.user.areaId, scopeOf(req))
}

export interface SiteRow { id: string, name: string, kind: string, area_id: string, rooms: Array<{ room: string, beds?: string[] }>, area_path: string }

export async function siteInScope (q: Queryable, id: string, scopePath: string): Promise<SiteRow> {
  const { rows } = await q.query<SiteRow>(
    `select s.id, s.name, s.kind, s.area_id, s.rooms, a.path as area_path from sites s join areas a on a.id = s.area_id
      where s.id = $1 and a.path like $2 || '%'`, [id, scopePath])
  if (!rows[0]) throw errors.NOT_FOUND('site')
  return rows[0]
}

/** The resident row (all columns plus its site's area path) inside the scope, or 404. */
export async function residentInScope (q: Queryable, id: string, scopePath: string): Promise<Record<string, any>> {
  const { rows } = await q.query<Record<string, any>>(
    `select r.*, s.name as site_name, s.area_id, a.path as area_path from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
      where r.id = $1 and a.path like $2 || '%'`, [id, scopePath])
  if (!rows[0]) throw errors.NOT_FOUND('resident')
  return rows[0]
}

/** Writes an audit entry for the request's user (who, from where, what), optionally inside `tx`. */
export function auditFor (app: FastifyInstance) {
  return (req: FastifyRequest, action: string, targetType: string | null, targetId: string | null, data?: Record<string, unknown>, tx?: Queryable) =>
    app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, areaPath: req.user.areaPath, action, targetType, targetId, data }, tx)
}

/** Maps a unique-violation from the database to a 409 with a stable code. */
export async function uniqueOr409<T> (fn: () => Promise<T>, make: () => Error): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw make()
    throw err
  }
}

/**
 * Builds a WHERE clause with numbered parameters: `add('x = ?', v)` appends a condition with `?`
 * replaced by the next `$n`; `param(v)` appends a bare parameter and returns its `$n`.
 */
export class SqlFilter {
  readonly params: unknown[]
  readonly where: string[]
  constructor (where: string[], params: unknown[]) { this.where = [...where]; this.params = [...params] }
  add (sql: string, value: unknown): void { this.where.push(sql.replaceAll('?', this.param(value))) }
  param (value: unknown): string { this.params.push(value); return `$${this.params.length}` }
  get sql (): string { return this.where.join(' and ') }
}

/**
 * Rows handled per turn of the event loop by the registry's per-row work (mapInTurns; issue 11):
 * a list answer's DTOs (a resident's decrypts its id number, ~20 µs — 5,000 in one go held MQTT
 * and the alarms' PUBACKs on PostgreSQL ~140 ms with their rows' parsing) and an import's checks
 * (~10 µs a resident row: a 10,000-row file in one go held them ~100 ms). 200 rows: ~2–4 ms.
 */
export const ROWS_PER_TURN = 200

/** Ids of the devices at sites under `path` (or at one site), to invalidate after a move. */
export async function devicesUnder (q: Queryable, where: { path: string } | { siteId: string }): Promise<string[]> {
  const { rows } = 'siteId' in where
    ? await q.query<{ id: string }>('select id from devices where site_id = $1', [where.siteId])
    : await q.query<{ id: string }>(`select d.id from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where a.path like $1 || '%'`, [where.path])
  return rows.map((r) => r.id)
}

/** Options of the registry route plugins that change where devices belong. */
export interface InvalidateOptions {
  /** Called for each device whose registry record or area changed (gateway and area caches). */
  invalidateDevice?: (deviceId: string) => void
}
