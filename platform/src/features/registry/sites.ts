/**
 * Sites: a home (a family care bed) or an institution with rooms and beds, always under a
 * community. Updates and moves leave a row in site_history.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { SITE_KINDS } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { areaInScope, auditFor, devicesUnder, type InvalidateOptions, Id, IdParams, literalUnion, scopeOf, siteInScope } from './scope.ts'

const Geo = Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false })
export const Rooms = Type.Array(Type.Object({
  room: Type.String({ minLength: 1, maxLength: 20 }),
  beds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 50 }))
}, { additionalProperties: false }), { maxItems: 2000 })
export const SiteBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }), kind: literalUnion(SITE_KINDS), areaId: Id,
  address: Type.Optional(Type.String({ maxLength: 300 })),
  geo: Type.Optional(Geo),
  rooms: Type.Optional(Rooms)
}, { additionalProperties: false })
const SitePatch = Type.Partial(Type.Omit(SiteBody, ['kind']), { additionalProperties: false, minProperties: 1 })
const SiteDto = Type.Object({
  id: Type.String(), name: Type.String(), kind: Type.String(), areaId: Type.String(), address: Type.Union([Type.String(), Type.Null()]),
  geo: Type.Union([Geo, Type.Null()]), rooms: Rooms
})

export interface SiteInput { id: string, name: string, kind: string, areaId: string, address?: string | null, geo?: { lat: number, lng: number } | null, rooms?: Static<typeof Rooms> }

export async function insertSite (tx: Queryable, s: SiteInput, changedBy: string): Promise<void> {
  await tx.query('insert into sites (id, name, kind, area_id, address, lat, lng, rooms) values ($1, $2, $3, $4, $5, $6, $7, $8)',
    [s.id, s.name, s.kind, s.areaId, s.address ?? null, s.geo?.lat ?? null, s.geo?.lng ?? null, JSON.stringify(s.rooms ?? [])])
  await tx.query(`insert into site_history (site_id, change, name, area_id, address, changed_by) values ($1, 'create', $2, $3, $4, $5)`, [s.id, s.name, s.areaId, s.address ?? null, changedBy])
}

const siteDto = (r: Record<string, any>) => ({
  id: r.id, name: r.name, kind: r.kind, areaId: r.area_id, address: r.address ?? null,
  geo: r.lat == null ? null : { lat: r.lat, lng: r.lng }, rooms: r.rooms ?? []
})

export const siteRoutes: FastifyPluginAsync<InvalidateOptions> = async (app, opts) => {
  const staff = [app.authenticate, app.requireCapability('registry.read')]
  const admin = [app.authenticate, app.requireCapability('registry.write')]
  const audit = auditFor(app)
  const community = async (q: Queryable, areaId: string, scope: string) => {
    const area = await areaInScope(q, areaId, scope)
    if (area.level !== 'community') throw errors.VALIDATION('a site belongs to a community-level area')
  }

  app.post<{ Body: Static<typeof SiteBody> }>('/api/sites', {
    schema: { tags: ['registry'], body: SiteBody, response: { 201: SiteDto } }, preHandler: admin
  }, async (req, reply) => {
    const b = req.body
    await community(app.db, b.areaId, scopeOf(req))
    if (b.rooms?.length && b.kind !== 'institution') throw errors.VALIDATION('only an institution has rooms and beds')
    const id = randomUUID()
    await app.db.transaction(async (tx) => {
      await insertSite(tx, { id, ...b }, req.user.username)
      await audit(req, 'site.create', 'site', id, { name: b.name, kind: b.kind, areaId: b.areaId }, tx)
    })
    return reply.code(201).send({ id, name: b.name, kind: b.kind, areaId: b.areaId, address: b.address ?? null, geo: b.geo ?? null, rooms: b.rooms ?? [] })
  })

  app.get('/api/sites', {
    schema: { tags: ['registry'], summary: 'Sites in your scope', response: { 200: Type.Object({ items: Type.Array(SiteDto) }) } }, preHandler: staff
  }, async (req) => {
    const { rows } = await app.db.query<Record<string, any>>(
      `select s.* from sites s join areas a on a.id = s.area_id where a.path like $1 || '%' order by s.name limit 5000`, [scopeOf(req)])
    return { items: rows.map(siteDto) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/sites/:id', {
    schema: { tags: ['registry'], params: IdParams, response: { 200: SiteDto } }, preHandler: staff
  }, async (req) => {
    await siteInScope(app.db, req.params.id, scopeOf(req))
    const { rows } = await app.db.query('select * from sites where id = $1', [req.params.id])
    return siteDto(rows[0])
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/sites/:id/history', {
    schema: { tags: ['registry'], params: IdParams }, preHandler: staff
  }, async (req) => {
    await siteInScope(app.db, req.params.id, scopeOf(req))
    const { rows } = await app.db.query<Record<string, any>>('select at, change, name, area_id, address, changed_by from site_history where site_id = $1 order by id', [req.params.id])
    return { items: rows.map((r) => ({ at: iso(r.at), change: r.change, name: r.name, areaId: r.area_id, address: r.address, changedBy: r.changed_by })) }
  })

  app.patch<{ Params: Static<typeof IdParams>, Body: Static<typeof SitePatch> }>('/api/sites/:id', {
    schema: { tags: ['registry'], summary: 'Rename, re-address or move a site to another community', params: IdParams, body: SitePatch, response: { 200: SiteDto } }, preHandler: admin
  }, async (req) => {
    const scope = scopeOf(req)
    const b = req.body
    const row = await app.db.transaction(async (tx) => {
      const before = await siteInScope(tx, req.params.id, scope)
      if (b.areaId) await community(tx, b.areaId, scope)
      if (b.rooms?.length && before.kind !== 'institution') throw errors.VALIDATION('only an institution has rooms and beds')
      const { rows } = await tx.query<Record<string, any>>(
        `update sites set name = coalesce($2, name), area_id = coalesce($3, area_id), address = coalesce($4, address),
                lat = coalesce($5, lat), lng = coalesce($6, lng), rooms = coalesce($7, rooms), updated_at = now()
          where id = $1 returning *`,
        [before.id, b.name ?? null, b.areaId ?? null, b.address ?? null, b.geo?.lat ?? null, b.geo?.lng ?? null, b.rooms ? JSON.stringify(b.rooms) : null])
      const after = rows[0]
      await tx.query('insert into site_history (site_id, change, name, area_id, address, changed_by) values ($1, $2, $3, $4, $5, $6)',
        [after.id, after.area_id !== before.area_id ? 'move' : 'update', after.name, after.area_id, after.address, req.user.username])
      await audit(req, 'site.update', 'site', after.id, { changed: Object.keys(b), ...(b.areaId ? { fromAreaId: before.area_id, toAreaId: b.areaId } : {}) }, tx)
      return after
    })
    if (b.areaId) for (const id of await devicesUnder(app.db, { siteId: row.id })) opts.invalidateDevice?.(id)
    return siteDto(row)
  })
}
