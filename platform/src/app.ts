/**
 * buildApp(): the platform's Fastify application, built from explicit options and not
 * yet listening (STYLE.md §6). Only main.ts reads the environment and listens.
 */
import { existsSync } from 'node:fs'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Logger } from 'pino'
import type { Db } from './db/db.ts'
import { PlatformError } from './errors.ts'
import { authPlugin } from './plugins/auth.ts'
import { dbPlugin } from './plugins/db.ts'
import { realtimePlugin } from './plugins/realtime.ts'
import { authRoutes } from './routes/auth.ts'
import { commandRoutes } from './routes/commands.ts'
import { healthRoutes, type HealthCheck } from './routes/health.ts'
import { incidentRoutes } from './routes/incidents.ts'
import { metricsRoutes, type MetricsSource } from './routes/metrics.ts'
import { registryRoutes } from './routes/registry.ts'
import { observerRoutes } from './routes/observers.ts'
import { vitalsRoutes } from './routes/vitals.ts'
import { SqlVitalsStore, type VitalsStore } from '@eldercare/gateway'
import { AuditLog } from './services/audit.ts'
import { CommandService, type CommandServiceOptions, type CommandTransport } from './services/commands.ts'
import { IncidentEngine, type EngineOptions } from './services/incident-engine.ts'
import { IncidentService } from './services/incidents.ts'
import { FieldCrypto } from './services/field-crypto.ts'
import { responsePlugin, type ResponseOptions } from './plugins/response.ts'
import { responseRoutes } from './routes/response.ts'
import { responderPageRoutes } from './routes/responder-page.ts'
import { callsFeature, type CallsOptions } from './features/calls/index.ts'
import { welfareRoundsFeature, type WelfareRoundsOptions } from './features/welfare-rounds/index.ts'
import './types.ts'

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
  /** The service's time zone: calendar days and months of visits and reports. Default Asia/Shanghai. */
  timeZone?: string
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
}

declare module 'fastify' {
  interface FastifyInstance {
    engine: IncidentEngine
  }
}

export async function buildApp (opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger.child({ part: 'http' }) as FastifyServerOptions['loggerInstance'],
    bodyLimit: 1024 * 1024,
    trustProxy: false
  })
  const now = opts.now ?? Date.now
  const log = opts.logger.child({ part: 'platform' })

  app.setErrorHandler((err: Error & { statusCode?: number, code?: string, validation?: unknown }, req, reply) => {
    if (err instanceof PlatformError) {
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } })
    }
    if (err.validation) {
      return reply.code(400).send({ error: { code: 'PLT_ERR_VALIDATION', message: err.message, details: err.validation } })
    }
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: { code: `PLT_ERR_${err.code ?? 'BAD_REQUEST'}`, message: err.message } })
    }
    req.log.error({ err }, 'request failed')
    return reply.code(500).send({ error: { code: 'PLT_ERR_INTERNAL', message: 'internal error; the incident was logged' } })
  })
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/api/') && dashboardIndex) return reply.sendFile('index.html')
    return reply.code(404).send({ error: { code: 'PLT_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } })
  })

  await app.register(swagger, {
    openapi: {
      info: { title: 'Elder-care emergency response — operator API', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }]
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  await app.register(dbPlugin, { db: opts.db })
  await app.register(authPlugin)
  await app.register(realtimePlugin, { redisUrl: opts.redisUrl })
  app.decorate('audit', new AuditLog(opts.db))
  app.decorate('fieldCrypto', opts.fieldCrypto ?? FieldCrypto.random())
  app.decorate('incidents', new IncidentService(opts.db, now))
  app.decorate('commands', new CommandService(opts.db, opts.commandTransport, log, { now, ...opts.commandOptions }))
  await app.register(responsePlugin, { options: opts.response ?? {}, now, logger: opts.logger })
  const engine = new IncidentEngine(opts.db, app.incidents, opts.logger.child({ part: 'engine' }), (change) => {
    app.response.announce(change.incidentId, change.event, change.reAlert)
      .then(() => change.event === 'incident:opened' ? app.response.notifyFamily(change.incidentId, 'incident_opened') : undefined)
      .catch((err) => app.log.error({ err, incidentId: change.incidentId }, 'could not announce incident'))
  }, opts.engine)
  app.decorate('engine', engine)

  await app.register(authRoutes, { sessionTtlHours: opts.sessionTtlHours ?? 12 })
  await app.register(registryRoutes, { now, invalidateDevice: opts.invalidateDevice, timeZone: opts.timeZone })
  await app.register(incidentRoutes)
  await app.register(commandRoutes)
  await app.register(observerRoutes)
  await app.register(responseRoutes)
  await app.register(responderPageRoutes)
  await app.register(callsFeature, { timeZone: opts.timeZone, now, ...opts.calls })
  await app.register(welfareRoundsFeature, { ...(opts.timeZone ? { timeZone: opts.timeZone } : {}), now, ...opts.welfareRounds })
  await app.register(vitalsRoutes, { store: opts.vitalsStore ?? new SqlVitalsStore(opts.db), settingsChanged: opts.detectionSettingsChanged, now })
  await app.register(healthRoutes, {
    checks: {
      database: async () => { await opts.db.query('select 1'); return { kind: opts.db.kind } },
      engine: async () => ({ backlog: await engine.backlog() }),
      ...opts.healthChecks
    }
  })
  await app.register(metricsRoutes, { db: opts.db, sources: opts.metrics ?? [] })

  const dashboardIndex = opts.dashboardDir && existsSync(`${opts.dashboardDir}/index.html`)
  if (dashboardIndex) {
    await app.register(fastifyStatic, { root: opts.dashboardDir!, wildcard: false, index: ['index.html'] })
  }

  app.addHook('onReady', async () => {
    engine.start()
    app.commands.start()
  })
  app.addHook('preClose', async () => {
    app.realtime.io.local.disconnectSockets(true)
  })
  app.addHook('onClose', async () => {
    app.commands.stop()
    await engine.stop()
  })
  return app
}
