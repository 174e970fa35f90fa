/**
 * Where a resident is, and where they should stay (issue 15): last known position, the
 * downsampled 24-hour track, and the safe zone. Area-scoped like every resident read: a resident
 * outside the caller's area is 404.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { DEFAULT_SAFE_ZONE_GRACE_S, DEFAULT_SAFE_ZONE_RADIUS_M, SafeZoneBody, type ResidentPositionDto, type SafeZoneShape, type TrackDto } from '@eldercare/protocols'
import { errors } from '../../errors.ts'
import { parseTime } from '../vitals/routes.ts'
import type { PositionService } from './service.ts'

export interface PositionRoutesOptions {
  positions: PositionService
  /** Told when a resident's safe zone changes (embedded: the gateway's detector reloads it). */
  safeZoneChanged?: (residentId: string) => void
  now: () => number
  /** the console's map tiles (GET /api/map) */
  map: { tiles: string | null, attribution: string | null, datum: 'wgs84' | 'gcj02' | 'bd09' }
}

const DAY_MS = 24 * 3600_000
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const TrackQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO 8601 time or epoch ms; default `to` − 24 h' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 time or epoch ms; default now' }))
})

export const positionRoutes: FastifyPluginAsync<PositionRoutesOptions> = async (app, opts) => {
  const readers = [app.authenticate, app.requireCapability('vitals.read')]
  const supervisors = [app.authenticate, app.requireCapability('detection.write')]
  const tags = ['positions']

  const residentHome = async (req: FastifyRequest, id: string): Promise<{ lat: number | null, lng: number | null }> => {
    const { rows } = await app.db.query<{ lat: number | null, lng: number | null }>(
      `select s.lat, s.lng from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
        where r.id = $1 and a.path like $2 || '%'`, [id, req.user.areaPath])
    if (!rows[0]) throw errors.NOT_FOUND('resident')
    return rows[0]
  }

  // Every console user with a map to see (all staff roles hold registry.read).
  app.get('/api/map', {
    schema: { tags, summary: 'The installation\'s map tiles: XYZ URL template, attribution and datum (tiles null: draw on a plain background)' }, preHandler: [app.authenticate, app.requireCapability('registry.read')]
  }, async () => opts.map)

  app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id/position', {
    schema: { tags, summary: 'Last known position of the resident\'s wearables (WGS-84); 404 when none is known', params: IdParams }, preHandler: readers
  }, async (req): Promise<ResidentPositionDto> => {
    await residentHome(req, req.params.id)
    const p = await opts.positions.last(req.params.id)
    if (!p) throw errors.NOT_FOUND('position')
    return p
  })

  app.get<{ Params: Static<typeof IdParams>, Querystring: Static<typeof TrackQuery> }>('/api/residents/:id/track', {
    schema: { tags, summary: 'The resident\'s track (kept 24 h), downsampled to at most 500 points', params: IdParams, querystring: TrackQuery }, preHandler: readers
  }, async (req): Promise<TrackDto> => {
    await residentHome(req, req.params.id)
    const to = parseTime('to', req.query.to, opts.now())
    const from = parseTime('from', req.query.from, to - DAY_MS)
    if (from >= to) throw errors.VALIDATION('from must be before to')
    const items = await opts.positions.track(req.params.id, from, to)
    return { items: items.map((i) => ({ lat: i.lat, lng: i.lng, acc: i.acc, at: new Date(i.at).toISOString() })) }
  })

  app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id/safe-zone', {
    schema: { tags, summary: 'The resident\'s safe zone; 404 when none is set', params: IdParams }, preHandler: readers
  }, async (req) => {
    await residentHome(req, req.params.id)
    const z = await opts.positions.getSafeZone(req.params.id)
    if (!z) throw errors.NOT_FOUND('safe zone')
    return z
  })

  app.put<{ Params: Static<typeof IdParams>, Body: SafeZoneBody }>('/api/residents/:id/safe-zone', {
    schema: { tags, summary: 'Sets the safe zone: a circle (default: 500 m around the home) or a polygon; graceS default 300', params: IdParams, body: SafeZoneBody },
    preHandler: supervisors
  }, async (req) => {
    const home = await residentHome(req, req.params.id)
    const body = req.body
    let zone: SafeZoneShape
    if ('circle' in body) {
      const { lat, lng, radiusM = DEFAULT_SAFE_ZONE_RADIUS_M } = body.circle
      if ((lat === undefined) !== (lng === undefined)) throw errors.VALIDATION('circle needs both lat and lng, or neither (then it is centred on the home)')
      if (lat === undefined || lng === undefined) {
        if (home.lat == null || home.lng == null) throw errors.VALIDATION('the resident\'s home has no coordinates: give circle.lat and circle.lng, or set the site\'s lat/lng first')
        zone = { circle: { lat: Number(home.lat), lng: Number(home.lng), radiusM } }
      } else zone = { circle: { lat, lng, radiusM } }
    } else zone = { polygon: body.polygon }
    const saved = await opts.positions.putSafeZone(req.params.id, zone, body, body.graceS ?? DEFAULT_SAFE_ZONE_GRACE_S, req.user.id)
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'safe_zone.set', targetType: 'resident', targetId: req.params.id, data: { ...zone, graceS: saved.graceS, schedule: saved.schedule } })
    opts.safeZoneChanged?.(req.params.id)
    return saved
  })

  app.delete<{ Params: Static<typeof IdParams> }>('/api/residents/:id/safe-zone', {
    schema: { tags, summary: 'Removes the safe zone (no more geofence alarms for the resident); idempotent: 204 also when there was none', params: IdParams }, preHandler: supervisors
  }, async (req, reply) => {
    await residentHome(req, req.params.id)
    // idempotent, as DELETE is: the resident has no safe zone afterwards either way; only a removal is audited
    if (!await opts.positions.deleteSafeZone(req.params.id)) return reply.code(204).send()
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'safe_zone.delete', targetType: 'resident', targetId: req.params.id })
    opts.safeZoneChanged?.(req.params.id)
    return reply.code(204).send()
  })
}
