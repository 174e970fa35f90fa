/**
 * Readings and detection of one resident: the downsampled vital-sign chart with the latest value
 * of each field, and the per-resident overrides of the detection rules. Area-scoped like every
 * read: a resident outside the caller's area is 404.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { DetectionOverrides, effectiveDetectionSettings, type DetectionSettingsDto, type VitalsSeriesDto } from '@eldercare/protocols'
import type { VitalsStore } from '@eldercare/readings'
import { errors } from '../../errors.ts'

export interface VitalsRoutesOptions {
  store: VitalsStore
  /** Told when a resident's detection overrides change (the gateway reloads them). */
  settingsChanged?: (residentId: string) => void
  now: () => number
}

/** Most buckets one chart may ask for (24 h at 1-minute steps is 1440). */
export const MAX_BUCKETS = 10_000
const DAY_MS = 24 * 3600_000

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const VitalsQuery = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO 8601 time or epoch ms; default `to` − 24 h' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 time or epoch ms; default now' })),
  step: Type.Optional(Type.String({ description: 'bucket size: ms, or a number with s, m or h (e.g. 1m); default 1m' }))
})

export function parseTime (name: string, raw: string | undefined, def: number): number {
  if (raw === undefined || raw === '') return def
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)
  if (!Number.isFinite(t)) throw errors.VALIDATION(`${name}="${raw}" must be an ISO 8601 time (2026-11-23T08:00:00Z) or epoch milliseconds`)
  return t
}

export function parseStep (raw: string | undefined): number {
  if (raw === undefined || raw === '') return 60_000
  const m = /^(\d+)(ms|s|m|h)?$/.exec(raw)
  if (!m) throw errors.VALIDATION(`step="${raw}" must be milliseconds or a number with s, m or h (e.g. 30s, 1m, 1h)`)
  const ms = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3600_000 } as const)[(m[2] ?? 'ms') as 'ms']
  if (ms < 1000) throw errors.VALIDATION(`step="${raw}" must be at least 1s`)
  return ms
}

export const vitalsRoutes: FastifyPluginAsync<VitalsRoutesOptions> = async (app, opts) => {
  const supervisors = [app.authenticate, app.requireCapability('detection.write')]
  // Responders see only the dispatch pack of the incident they attend, never a resident's history.
  const readers = [app.authenticate, app.requireCapability('vitals.read')]

  const residentInScope = async (req: FastifyRequest, id: string): Promise<void> => {
    const { rows } = await app.db.query(
      `select r.id from residents r join sites s on s.id = r.site_id join areas a on a.id = s.area_id
        where r.id = $1 and a.path like $2 || '%'`, [id, req.user.areaPath])
    if (!rows[0]) throw errors.NOT_FOUND('resident')
  }

  app.get<{ Params: Static<typeof IdParams>, Querystring: Static<typeof VitalsQuery> }>('/api/residents/:id/vitals', {
    schema: { tags: ['readings'], params: IdParams, querystring: VitalsQuery },
    preHandler: readers
  }, async (req): Promise<VitalsSeriesDto> => {
    await residentInScope(req, req.params.id)
    const to = parseTime('to', req.query.to, opts.now())
    const from = parseTime('from', req.query.from, to - DAY_MS)
    const stepMs = parseStep(req.query.step)
    if (from >= to) throw errors.VALIDATION('from must be before to')
    if ((to - from) / stepMs > MAX_BUCKETS) throw errors.VALIDATION(`from…to at this step makes more than ${MAX_BUCKETS} buckets; use a larger step`)
    const [series, latest] = await Promise.all([
      opts.store.series(req.params.id, from, to, stepMs),
      opts.store.latest(req.params.id, to)
    ])
    return { residentId: req.params.id, from, to, stepMs, series, latest }
  })

  const settingsDto = async (residentId: string): Promise<DetectionSettingsDto> => {
    const { rows } = await app.db.query<{ overrides: DetectionOverrides }>('select overrides from detection_settings where resident_id = $1', [residentId])
    const overrides = rows[0]?.overrides ?? {}
    return { residentId, overrides, effective: effectiveDetectionSettings(overrides) }
  }

  app.get<{ Params: Static<typeof IdParams> }>('/api/residents/:id/detection', {
    schema: { tags: ['readings'], params: IdParams }, preHandler: supervisors
  }, async (req) => {
    await residentInScope(req, req.params.id)
    return settingsDto(req.params.id)
  })

  // Replaces the resident's overrides (send {} to go back to the defaults).
  app.put<{ Params: Static<typeof IdParams>, Body: DetectionOverrides }>('/api/residents/:id/detection', {
    schema: { tags: ['readings'], params: IdParams, body: DetectionOverrides }, preHandler: supervisors
  }, async (req) => {
    await residentInScope(req, req.params.id)
    if (req.body.timeZone !== undefined) {
      try { new Intl.DateTimeFormat('en', { timeZone: req.body.timeZone }) } catch { throw errors.VALIDATION(`timeZone="${req.body.timeZone}" is not an IANA time zone (e.g. Asia/Shanghai)`) }
    }
    await app.db.query(
      `insert into detection_settings (resident_id, overrides, updated_at, updated_by) values ($1, $2, now(), $3)
       on conflict (resident_id) do update set overrides = excluded.overrides, updated_at = now(), updated_by = excluded.updated_by`,
      [req.params.id, JSON.stringify(req.body), req.user.id])
    await app.audit.write({ userId: req.user.id, username: req.user.username, ip: req.ip, action: 'detection.set', targetType: 'resident', targetId: req.params.id, data: req.body })
    opts.settingsChanged?.(req.params.id)
    return settingsDto(req.params.id)
  })
}
