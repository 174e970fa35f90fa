/**
 * Sites: a home (a family care bed) or an institution with rooms and beds, always under a
 * community. Updates and moves leave a row in site_history.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { FamilyBed, SITE_KINDS, SiteDto, SiteGeo, SiteRooms } from '@eldercare/protocols'
import { mapInTurns } from '@eldercare/common'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { areaInScope, auditFor, devicesUnder, type InvalidateOptions, Id, IdParams, literalUnion, scopeOf, siteInScope, ROWS_PER_TURN } from './scope.ts'
import { getSite, insertSite, listSites, setFamilyBed, siteHistory, updateSite } from './sites-repository.ts'

export const SiteBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }), kind: literalUnion(SITE_KINDS), areaId: Id,
  address: Type.Optional(Type.String({ maxLength: 300 })),
  geo: Type.Optional(SiteGeo),
  rooms: Type.Optional(SiteRooms),
  familyBed: Type.Optional(Type.Union([FamilyBed, Type.Null()]))
}, { additionalProperties: false })
const SitePatch = Type.Partial(Type.Omit(SiteBody, ['kind']), { additionalProperties: false, minProperties: 1 })

const familyBedProblem = (kind: string, bed: unknown) => bed && kind !== 'home' ? 'only a home can be registered as a family care bed (家庭养老床位)' : null

const siteDto = (r: Record<string, any>) => ({
  id: r.id, name: r.name, kind: r.kind, areaId: r.area_id, address: r.address ?? null,
  geo: r.lat == null ? null : { lat: r.lat, lng: r.lng }, rooms: r.rooms ?? [],
  familyBed: r.family_bed_type == null
    ? null
    : { type: r.family_bed_type, provider: r.family_bed_provider, since: iso(r.family_bed_since)!.slice(0, 10), until: r.family_bed_until ? iso(r.family_bed_until)!.slice(0, 10) : null }
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
    const bedProblem = familyBedProblem(b.kind, b.familyBed)
    if (bedProblem) throw errors.VALIDATION(bedProblem)
    const id = randomUUID()
    await app.db.transaction(async (tx) => {
      await insertSite(tx, { id, ...b }, req.user.username)
      await audit(req, 'site.create', 'site', id, { name: b.name, kind: b.kind, areaId: b.areaId }, tx)
    })
    return reply.code(201).send({ id, name: b.name, kind: b.kind, areaId: b.areaId, address: b.address ?? null, geo: b.geo ?? null, rooms: b.rooms ?? [], familyBed: b.familyBed ? { until: null, ...b.familyBed } : null })
  })

  app.get('/api/sites', {
    schema: { tags: ['registry'], summary: 'Sites in your scope', response: { 200: Type.Object({ items: Type.Array(SiteDto) }) } }, preHandler: staff
  }, async (req) => {
    return { items: await mapInTurns(await listSites(app.db, scopeOf(req)), siteDto, ROWS_PER_TURN) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/sites/:id', {
    schema: { tags: ['registry'], params: IdParams, response: { 200: SiteDto } }, preHandler: staff
  }, async (req) => {
    await siteInScope(app.db, req.params.id, scopeOf(req))
    return siteDto(await getSite(app.db, req.params.id))
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/sites/:id/history', {
    schema: { tags: ['registry'], params: IdParams }, preHandler: staff
  }, async (req) => {
    await siteInScope(app.db, req.params.id, scopeOf(req))
    return { items: (await siteHistory(app.db, req.params.id)).map((r) => ({ at: iso(r.at), change: r.change, name: r.name, areaId: r.area_id, address: r.address, changedBy: r.changed_by })) }
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
      const bedProblem = familyBedProblem(before.kind, b.familyBed)
      if (bedProblem) throw errors.VALIDATION(bedProblem)
      if (b.familyBed !== undefined) await setFamilyBed(tx, before.id, b.familyBed)
      const after = await updateSite(tx, before, b, req.user.username)
      await audit(req, 'site.update', 'site', after.id, { changed: Object.keys(b), ...(b.areaId ? { fromAreaId: before.area_id, toAreaId: b.areaId } : {}) }, tx)
      return after
    })
    if (b.areaId) for (const id of await devicesUnder(app.db, { siteId: row.id })) opts.invalidateDevice?.(id)
    return siteDto(row)
  })
}
