/**
 * Devices: registration (secret shown once [P-1.2]), moves between sites/residents/hubs and
 * secret rotation. Every change tells the gateway to forget its cached record of the device.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { DEVICE_ID_PATTERN, DEVICE_TYPES } from '@eldercare/protocols'
import { generateDeviceSecret, mapInTurns } from '@eldercare/common'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { iso } from '../commands/service.ts'
import { auditFor, type InvalidateOptions, Id, IdParams, literalUnion, scopeOf, siteInScope, uniqueOr409, ROWS_PER_TURN } from './scope.ts'
import { deviceInScopeRow, deviceTypeAtSite, insertDevice, listDevices, moveDevice, residentAtSite, setDeviceSecret } from './devices-repository.ts'

const DeviceListQuery = Type.Object({
  siteId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  residentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 }))
}, { additionalProperties: false })

export const DeviceBody = Type.Object({
  id: Type.Optional(Type.String({ pattern: DEVICE_ID_PATTERN.source })), type: literalUnion(DEVICE_TYPES), siteId: Id,
  residentId: Type.Optional(Id), parentId: Type.Optional(Id)
}, { additionalProperties: false })
const DevicePatch = Type.Object({
  siteId: Type.Optional(Id), residentId: Type.Optional(Type.Union([Id, Type.Null()])), parentId: Type.Optional(Type.Union([Id, Type.Null()]))
}, { additionalProperties: false, minProperties: 1 })

export type DeviceRoutesOptions = InvalidateOptions & {
  /** [P-4.4] the gateway's in-memory last sign of life (written to the row only coarsely); the fresher one is answered */
  lastSeen?: (deviceId: string) => Date | null
}

export const newDeviceId = (): string => `d-${randomUUID().replaceAll('-', '').slice(0, 16)}`

/** Checks that resident and hub parent belong to the same site; returns the problem or null. */
export async function deviceLinkProblem (q: Queryable, siteId: string, residentId?: string | null, parentId?: string | null): Promise<string | null> {
  if (residentId && !(await residentAtSite(q, residentId, siteId))) return 'residentId must name a resident of the same site'
  if (parentId && (await deviceTypeAtSite(q, parentId, siteId)) !== 'hub') return 'parentId must name a hub at the same site'
  return null
}

const deviceRow = (r: Record<string, any>, lastSeen?: (deviceId: string) => Date | null) => {
  const held = lastSeen?.(r.id)
  const stored = r.last_seen_at ? new Date(r.last_seen_at) : null
  return {
    id: r.id, type: r.type, siteId: r.site_id, residentId: r.resident_id, parentId: r.parent_id,
    online: r.online, lastSeenAt: iso(held && (!stored || held > stored) ? held : r.last_seen_at), battery: r.battery, rssi: r.rssi, fw: r.fw, createdAt: iso(r.created_at)
  }
}

export const deviceRoutes: FastifyPluginAsync<DeviceRoutesOptions> = async (app, opts) => {
  const deviceDto = (r: Record<string, any>) => deviceRow(r, opts.lastSeen)
  const staff = [app.authenticate, app.requireCapability('registry.read')]
  const admin = [app.authenticate, app.requireCapability('registry.write')]
  const audit = auditFor(app)
  const invalidate = (id: string) => { try { opts.invalidateDevice?.(id) } catch (err) { app.log.warn({ err, deviceId: id }, 'gateway cache not invalidated') } }
  const deviceInScope = async (q: Queryable, id: string, scope: string) => {
    const row = await deviceInScopeRow(q, id, scope)
    if (!row) throw errors.NOT_FOUND('device')
    return row
  }

  app.post<{ Body: Static<typeof DeviceBody> }>('/api/devices', {
    schema: { tags: ['registry'], summary: 'Register a device; the secret is in this answer only', body: DeviceBody }, preHandler: admin
  }, async (req, reply) => {
    const b = req.body
    await siteInScope(app.db, b.siteId, scopeOf(req))
    const problem = await deviceLinkProblem(app.db, b.siteId, b.residentId, b.parentId)
    if (problem) throw errors.VALIDATION(problem)
    const id = b.id ?? newDeviceId()
    // [P-1.2] the secret is shown once, here; only its hash is stored.
    const secret = generateDeviceSecret()
    await uniqueOr409(() => app.db.transaction(async (tx) => {
      await insertDevice(tx, { ...b, id }, secret)
      await audit(req, 'device.create', 'device', id, { type: b.type, siteId: b.siteId }, tx)
    }), () => errors.DEVICE_EXISTS(id))
    invalidate(id)
    return reply.code(201).send({ id, secret, type: b.type, siteId: b.siteId, residentId: b.residentId ?? null, parentId: b.parentId ?? null })
  })

  app.get<{ Querystring: Static<typeof DeviceListQuery> }>('/api/devices', { schema: { tags: ['registry'], querystring: DeviceListQuery }, preHandler: staff }, async (req) => {
    // Filters narrow the caller's area; they never widen it.
    return { items: await mapInTurns(await listDevices(app.db, scopeOf(req), req.query), deviceDto, ROWS_PER_TURN) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/devices/:id', {
    schema: { tags: ['registry'], params: IdParams }, preHandler: staff
  }, async (req) => deviceDto(await deviceInScope(app.db, req.params.id, scopeOf(req))))

  app.patch<{ Params: Static<typeof IdParams>, Body: Static<typeof DevicePatch> }>('/api/devices/:id', {
    schema: { tags: ['registry'], summary: 'Move a device to another site, resident or hub', params: IdParams, body: DevicePatch }, preHandler: admin
  }, async (req) => {
    const scope = scopeOf(req)
    const row = await app.db.transaction(async (tx) => {
      const before = await deviceInScope(tx, req.params.id, scope)
      const siteId = req.body.siteId ?? before.site_id
      if (req.body.siteId) await siteInScope(tx, siteId, scope)
      const residentId = req.body.residentId !== undefined ? req.body.residentId : (siteId === before.site_id ? before.resident_id : null)
      const parentId = req.body.parentId !== undefined ? req.body.parentId : (siteId === before.site_id ? before.parent_id : null)
      const problem = await deviceLinkProblem(tx, siteId, residentId, parentId)
      if (problem) throw errors.VALIDATION(problem)
      const after = await moveDevice(tx, before.id, { siteId, residentId, parentId })
      await audit(req, 'device.update', 'device', before.id, { from: { siteId: before.site_id, residentId: before.resident_id, parentId: before.parent_id }, to: { siteId, residentId, parentId } }, tx)
      return after
    })
    invalidate(row.id)
    return deviceDto(row)
  })

  app.post<{ Params: Static<typeof IdParams> }>('/api/devices/:id/rotate-secret', {
    schema: { tags: ['registry'], summary: 'Issue a new secret (shown once); the old one stops working', params: IdParams }, preHandler: admin
  }, async (req) => {
    const secret = generateDeviceSecret()
    await app.db.transaction(async (tx) => {
      await deviceInScope(tx, req.params.id, scopeOf(req))
      await setDeviceSecret(tx, req.params.id, secret)
      await audit(req, 'device.rotate_secret', 'device', req.params.id, undefined, tx)
    })
    invalidate(req.params.id)
    return { id: req.params.id, secret }
  })
}
