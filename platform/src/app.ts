/**
 * buildApp(): the platform's Fastify application, built from explicit options and not
 * yet listening (STYLE.md §6). Only main.ts reads the environment and listens.
 */
import { existsSync } from 'node:fs'
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify'
import fastifyStatic from '@fastify/static'
import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Logger } from 'pino'
import type { Db } from './db/db.ts'
import { errors, fromFastify, PlatformError } from './errors.ts'
import { httpLogSerializers } from './logger.ts'
import { auditPlugin } from './plugins/audit.ts'
import { authPlugin } from './plugins/auth.ts'
import { commandsPlugin } from './plugins/commands.ts'
import { dbPlugin } from './plugins/db.ts'
import { enginePlugin } from './plugins/engine.ts'
import { FieldCrypto, fieldCryptoPlugin } from './plugins/field-crypto.ts'
import { incidentsPlugin } from './plugins/incidents.ts'
import { positionsPlugin, type PositionsPluginOptions } from './plugins/positions.ts'
import { positionRoutes } from './features/positions/routes.ts'
import { wallRoutes } from './features/wall/routes.ts'
import { realtimePlugin } from './plugins/realtime.ts'
import { authRoutes } from './features/auth/routes.ts'
import { commandRoutes } from './features/commands/routes.ts'
import { healthRoutes, type HealthCheck } from './features/health/routes.ts'
import { incidentRoutes } from './features/incidents/routes.ts'
import { metricsRoutes, type MetricsSource } from './features/metrics/routes.ts'
import { alarmPathMetrics } from './features/metrics/alarm-path-metrics.ts'
import { registryRoutes } from './features/registry/routes.ts'
import { observerRoutes } from './features/observers/routes.ts'
import { vitalsRoutes } from './features/vitals/routes.ts'
import { SqlVitalsStore, type VitalsStore } from '@eldercare/readings'
import type { CommandServiceOptions, CommandTransport } from './features/commands/service.ts'
import type { EngineOptions } from './features/incidents/engine.ts'
import { responsePlugin, type ResponseOptions } from './plugins/response.ts'
import { responseRoutes } from './features/response/routes.ts'
import { responderPageRoutes } from './features/response/responder-page.ts'
import { callsFeature, type CallsOptions } from './features/calls/index.ts'
import { welfareRoundsFeature, type WelfareRoundsOptions } from './features/welfare-rounds/index.ts'
import { supervisionRoutes } from './features/supervision/routes.ts'
import { integrationRoutes } from './features/supervision/integrations.ts'
import type { PdfFont } from './features/supervision/pdf.ts'
import { DEFAULT_TIME_ZONE } from './lib/local-time.ts'

export interface BuildAppOptions {
  db: Db
  logger: Logger
  /** How commands reach devices (the gateway in embedded mode). */
  commandTransport: CommandTransport
  /** Built dashboard to serve at `/`; skipped when absent. */
  dashboardDir?: string
  /** Extra components for `/api/health` (the database is always checked). */
  healthChecks?: Record<string, HealthCheck>
  /** Extra figures for `/metrics` (e.g. the gateway's counters). */
  metrics?: MetricsSource[]
  sessionTtlHours?: number
  engine?: EngineOptions
  commandOptions?: CommandServiceOptions
  /** Scaled mode: socket.io rooms shared with the other nodes through this Redis. */
  redisUrl?: string | null
  /** Encryption of sensitive fields; default a random key (fine for tests, lost on restart). */
  fieldCrypto?: FieldCrypto
  now?: () => number
  /** Tells the gateway a device's registry record changed (secret rotated, moved), to drop its cache. */
  invalidateDevice?: (deviceId: string) => void
  /** [P-4.4] The gateway's in-memory last sign of life of a device (its row is written coarsely). */
  deviceLastSeen?: (deviceId: string) => Date | null
  /** Tells the gateway an observer account was disabled: its live MQTT sessions are closed. */
  invalidateObserver?: (observerId: string) => void
  /** The service's time zone: calendar days and months of visits and reports. Default Asia/Shanghai. */
  timeZone?: string
  /** How often the monthly-statement job runs (issue 16); 0 = off. Default hourly. */
  statementJobMs?: number
  /** CJK font embedded in the printable PDFs; default Noto Sans CJK SC of fonts-noto-cjk. */
  pdfFont?: PdfFont
  /** Response engine: SLA scheduler, notifications, responder links. */
  response?: ResponseOptions
  /** Readings store for the vitals chart (the gateway's in embedded mode); default the relational store on `db`. */
  vitalsStore?: VitalsStore
  /** Told when a resident's detection overrides change (embedded: the gateway's detector reloads them). */
  detectionSettingsChanged?: (residentId: string) => void
  /** Video calls with intercoms (issue 17): the gateway as transport, TURN servers. */
  calls?: CallsOptions
  /** Welfare rounds (issue 17): broadcast batches, deadline sweep. */
  welfareRounds?: WelfareRoundsOptions
  /** Addresses (IPs/CIDRs) of the reverse proxy whose X-Forwarded-For is believed (TRUST_PROXY); default none. */
  trustProxy?: string[] | null
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>` (METRICS_TOKEN). */
  metricsToken?: string | null
  /** Serve the OpenAPI description at /docs (default true; DOCS=off). */
  docs?: boolean
  /** Positions (issue 15): the gateway's live positions and track store (embedded), how recent an incident's position must be. */
  positions?: Omit<PositionsPluginOptions, 'now'>
  /** The console's map tiles (MAP_TILES, MAP_ATTRIBUTION, MAP_DATUM); default none: a plain background. */
  map?: { tiles: string | null, attribution: string | null, datum: 'wgs84' | 'gcj02' | 'bd09' }
  /** Told when a resident's safe zone changes (embedded: the gateway's detector reloads it). */
  safeZoneChanged?: (residentId: string) => void
  /** Told of every route as it is registered (the route-guard test reads each route's capability). */
  onRoute?: (route: RouteOptions) => void
}

export async function buildApp (opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // The request serializer redacts responder tokens (/r/<token>) from every request log line.
    loggerInstance: opts.logger.child({ part: 'http' }, { serializers: httpLogSerializers }) as FastifyServerOptions['loggerInstance'],
    bodyLimit: 1024 * 1024,
    // Exactly the configured proxy hop (TRUST_PROXY): X-Forwarded-For from anyone else is ignored,
    // so a client cannot pick the address the login throttle and the audit log see.
    trustProxy: opts.trustProxy && opts.trustProxy.length > 0 ? opts.trustProxy : false
  })
  const now = opts.now ?? Date.now
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute)

  app.setErrorHandler((err: Error & { statusCode?: number, code?: string, validation?: unknown }, req, reply) => {
    const send = (e: PlatformError) => reply.code(e.statusCode).send({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } })
    if (err instanceof PlatformError) return send(err)
    if (err.validation) return send(errors.VALIDATION.withDetails(err.validation, err.message))
    if (err.statusCode && err.statusCode < 500) return send(fromFastify({ statusCode: err.statusCode, code: err.code, message: err.message }))
    req.log.error({ err }, 'request failed')
    return send(errors.INTERNAL())
  })
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/api/') && dashboardIndex) return reply.sendFile('index.html')
    const e = errors.NOT_FOUND(`route ${req.method} ${req.url.split('?')[0]}`)
    return reply.code(e.statusCode).send({ error: { code: e.code, message: e.message } })
  })

  // Security headers on every answer (issue 13). The CSP is the one the built console runs under
  // (tests/security: no console errors in Chromium); no upgrade-insecure-requests, since a local
  // install is served over plain HTTP on a LAN address. The responder page sets a stricter CSP.
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'connect-src': ["'self'"],
        // the installation's map tiles (MAP_TILES, issue 15) are images from their own origin
        'img-src': ["'self'", 'data:', 'blob:', ...tileOrigin(opts.map?.tiles)],
        'style-src': ["'self'", "'unsafe-inline'"],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': null
      }
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false
  })

  await app.register(swagger, {
    openapi: {
      info: { title: 'Elder-care emergency response — operator API', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }]
    }
  })
  if (opts.docs !== false) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'" })

  await app.register(dbPlugin, { db: opts.db })
  await app.register(authPlugin)
  await app.register(realtimePlugin, { redisUrl: opts.redisUrl })
  await app.register(auditPlugin)
  await app.register(fieldCryptoPlugin, { fieldCrypto: opts.fieldCrypto })
  await app.register(incidentsPlugin, { now })
  await app.register(commandsPlugin, { transport: opts.commandTransport, logger: opts.logger.child({ part: 'platform' }), now, options: opts.commandOptions })
  await app.register(responsePlugin, { options: opts.response ?? {}, now, logger: opts.logger })
  await app.register(positionsPlugin, { ...opts.positions, now })
  await app.register(enginePlugin, { logger: opts.logger, options: opts.engine })

  await app.register(authRoutes, { sessionTtlHours: opts.sessionTtlHours ?? 12 })
  await app.register(registryRoutes, { now, invalidateDevice: opts.invalidateDevice, deviceLastSeen: opts.deviceLastSeen, timeZone: opts.timeZone })
  await app.register(incidentRoutes)
  await app.register(commandRoutes)
  await app.register(observerRoutes, { invalidateObserver: opts.invalidateObserver })
  await app.register(responseRoutes)
  await app.register(responderPageRoutes)
  await app.register(callsFeature, { timeZone: opts.timeZone, now, ...opts.calls })
  await app.register(welfareRoundsFeature, { ...(opts.timeZone ? { timeZone: opts.timeZone } : {}), now, ...opts.welfareRounds })
  await app.register(supervisionRoutes, { now, timeZone: opts.timeZone ?? DEFAULT_TIME_ZONE, statementJobMs: opts.statementJobMs, pdfFont: opts.pdfFont })
  await app.register(integrationRoutes)
  await app.register(vitalsRoutes, { store: opts.vitalsStore ?? new SqlVitalsStore(opts.db), settingsChanged: opts.detectionSettingsChanged, now })
  await app.register(positionRoutes, { positions: app.positions, safeZoneChanged: opts.safeZoneChanged, now, map: opts.map ?? { tiles: null, attribution: null, datum: 'wgs84' } })
  await app.register(wallRoutes, { now, timeZone: opts.timeZone ?? 'Asia/Shanghai' })
  await app.register(healthRoutes, {
    checks: {
      database: async () => { await opts.db.query('select 1'); return { kind: opts.db.kind } },
      engine: async () => ({ backlog: await app.engine.backlog() }),
      ...opts.healthChecks
    }
  })
  await app.register(metricsRoutes, { db: opts.db, sources: [alarmPathMetrics(app.engine.trace, opts.db), ...opts.metrics ?? []], token: opts.metricsToken ?? null })

  const dashboardIndex = opts.dashboardDir && existsSync(`${opts.dashboardDir}/index.html`)
  if (dashboardIndex) {
    await app.register(fastifyStatic, { root: opts.dashboardDir!, wildcard: false, index: ['index.html'] })
  }

  app.addHook('preClose', async () => {
    app.realtime.io.local.disconnectSockets(true)
  })
  return app
}

/**
 * The CSP source of a tile URL template (`https://{s}.tile.example.org/{z}/{x}/{y}.png` →
 * `https://*.tile.example.org`): its scheme and host, a templated subdomain widened to `*`
 * (a CSP wildcard may only stand for the leftmost labels). None without tiles.
 */
export function tileOrigin (template: string | null | undefined): string[] {
  const m = template ? /^(https?:)\/\/([^/?#]+)/.exec(template) : null
  if (!m) return []
  const labels = m[2].split('.')
  const last = labels.map((l) => l.includes('{')).lastIndexOf(true)
  const host = last < 0 ? m[2] : ['*', ...labels.slice(last + 1)].join('.')
  return [`${m[1]}//${host}`]
}
