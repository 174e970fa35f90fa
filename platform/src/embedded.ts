/**
 * Embedded mode (ARCHITECTURE.md, "Runtime modes"): gateway and platform in one process,
 * state in PGlite under DATA_DIR (or PostgreSQL with DATABASE_URL), the built dashboard served.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { loadTlsFiles } from '@eldercare/common'
import { Gateway, gatewayMetricSources, type GatewayOptions } from '@eldercare/gateway'
import { InfluxTrackStore, InfluxVitalsStore } from '@eldercare/readings'
import type { Config } from './config.ts'
import { buildApp, type BuildAppOptions } from './app.ts'
import { ensureAdmin, type BootstrapResult } from './features/auth/bootstrap.ts'
import { openDb, type Db } from './db/db.ts'
import { migrate } from './db/migrate.ts'
import { EmbeddedVacuum, type EmbeddedVacuumOptions } from './db/vacuum.ts'
import { hasDemoRegion, issueDemoCredentials, seedDemo, type DemoPlayer } from './demo.ts'
import { wireGateway } from './wiring.ts'
import { gatewayCallTransport } from './features/calls/index.ts'
import { FieldCrypto } from './plugins/field-crypto.ts'

export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url))

export interface EmbeddedOptions {
  config: Config
  logger: Logger
  dashboardDir?: string
  /** overrides for tests (clock, engine poll, command timeouts) */
  app?: Partial<Omit<BuildAppOptions, 'db' | 'logger' | 'commandTransport'>>
  /** gateway overrides for tests (rate limit, packet limit, clock) */
  gateway?: Partial<Omit<GatewayOptions, 'sql' | 'logger'>>
  /** when and how the embedded database is vacuumed (tests) */
  vacuum?: EmbeddedVacuumOptions
  /** Plays the demo's simulated homes (device-sim's `playDemoHomes`; scripts/embedded-demo.mjs passes it). Without it there is no demo. */
  demoPlayer?: DemoPlayer
}

export interface Embedded {
  app: FastifyInstance
  gateway: Gateway
  db: Db
  ports: { http: number, mqtt: number, mqttWs: number | null, mqttTls: number | null }
  admin: BootstrapResult
  demo: boolean
  close(): Promise<void>
}

export async function startEmbedded (opts: EmbeddedOptions): Promise<Embedded> {
  const { config, logger } = opts
  // PGlite keeps its files in a folder of its own; DATA_DIR also holds the data key.
  const db = await openDb({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir.startsWith('memory://') ? config.dataDir : join(config.dataDir, 'pglite') })
  const closers: Array<() => Promise<void>> = [() => db.close()]
  try {
    const applied = await migrate(db)
    if (applied.length) logger.info({ applied }, 'database migrated')
    // PGlite has no autovacuum: the embedded database's space and transaction ids (db/vacuum.ts)
    if (db.kind === 'pglite') {
      const log = logger.child({ part: 'vacuum' })
      const vacuum = new EmbeddedVacuum(db, {
        onPass: (p) => log.info({ tables: p.tables, analyzed: p.analyzed, notDue: p.notDue, leavesSkipped: p.leavesSkipped, ms: Math.round(p.ms), longestMs: Math.round(p.longestMs), longest: p.longest, xidAgeBefore: p.xidAgeBefore, xidAgeAfter: p.xidAgeAfter }, 'embedded database vacuumed'),
        ...opts.vacuum
      }, (err) => log.warn({ err }, 'vacuum pass failed; the next runs at its time'))
      vacuum.start()
      closers.unshift(() => vacuum.stop())
    }
    const emptyBefore = Number((await db.query<{ n: string }>('select count(*) as n from users')).rows[0].n) === 0
    const admin = await ensureAdmin(db, { username: config.adminUsername, password: config.adminPassword })

    // With REDIS_URL this node's broker joins the others (commands reach devices on any gateway)
    // and its socket.io server shares rooms with the other platform nodes.
    let forgetDevice: (id: string) => void = () => {}
    // [P-3.1] readings go to InfluxDB when INFLUX_URL is set, else to the same database
    const vitalsStore = config.influxUrl ? new InfluxVitalsStore({ url: config.influxUrl }) : undefined
    // Readings in the embedded database go in batches of 250 points: a batch statement runs whole once
    // started, and an alarm's insert waits for at most the one in flight (db.ts, lanes).
    const trackStore = config.influxUrl ? new InfluxTrackStore({ url: config.influxUrl }) : undefined
    const readings = { vitalsStore, trackStore, ...(vitalsStore || db.kind !== 'pglite' ? {} : { writer: { batchSize: 250 } }) }
    const gateway = new Gateway({ sql: db, logger, redisUrl: config.redisUrl ?? undefined, readings, ...opts.gateway })
    closers.unshift(() => gateway.close())
    const app = await buildApp({
      db, logger,
      commandTransport: gateway,
      dashboardDir: opts.dashboardDir ?? DEFAULT_DASHBOARD_DIR,
      sessionTtlHours: config.sessionTtlHours,
      trustProxy: config.trustProxy,
      metricsToken: config.metricsToken,
      docs: config.docs,
      redisUrl: config.redisUrl,
      fieldCrypto: FieldCrypto.load({ dataKey: config.dataKey, dataKeyFile: config.dataKeyFile, dataDir: config.dataDir }),
      healthChecks: { mqtt: async () => ({ connectedDevices: gateway.broker.connectedClients }) },
      metrics: gatewayMetricSources(gateway),
      vitalsStore: gateway.readings?.store,
      map: config.map,
      safeZoneChanged: (id) => { gateway.readings?.detector?.reloadSafeZone(id).catch((err) => logger.warn({ err, residentId: id }, 'safe zone not reloaded')) },
      // every gateway of the cluster reloads them at once (issue 14)
      detectionSettingsChanged: (id) => { void gateway.reloadDetectionSettings(id) },
      // A registry change drops the device from the gateway's auth cache and the wiring's area cache.
      invalidateDevice: (id) => { gateway.invalidateDevice(id); forgetDevice(id) },
      deviceLastSeen: (id) => gateway.lastSeen(id),
      invalidateObserver: (id) => { gateway.invalidateObserver(id) },
      timeZone: config.timeZone,
      calls: { transport: gatewayCallTransport(gateway), turn: config.turn },
      response: {
        ...(config.notifyWebhookUrl && config.notifyWebhookSecret ? { webhook: { url: config.notifyWebhookUrl, secret: config.notifyWebhookSecret } } : {}),
        ...(config.publicUrl ? { publicUrl: config.publicUrl } : {})
      },
      ...opts.app,
      // scaled (Redis): watched wearers' positions arrive by push (wiring.ts); the coarse copy is followed every 15 s as a safety net
      positions: {
        recentMs: config.positionRecentMinutes * 60_000,
        ...(gateway.readings ? { live: gateway.readings.positions, track: gateway.readings.positions.track, followStoredEveryMs: config.redisUrl ? 15_000 : 0 } : {}),
        ...opts.app?.positions
      }
    })
    closers.unshift(() => app.close())
    forgetDevice = wireGateway(app, gateway).forgetDevice

    const tls = config.mqttTls && loadTlsFiles(config.mqttTls)
    const mq = await gateway.listen({ host: config.host, mqttPort: config.mqttPort, mqttWsPort: config.mqttWsPort, tls, backlog: config.mqttListenBacklog })
    await app.listen({ host: config.host, port: config.httpPort })
    const ports = { http: (app.server.address() as AddressInfo).port, mqtt: mq.mqtt, mqttWs: mq.mqttWs, mqttTls: mq.mqttTls }

    let demo = false
    const demoWanted = config.demo === 'on' || (config.demo === 'auto' && !config.databaseUrl && (emptyBefore || await hasDemoRegion(db)))
    if (demoWanted && opts.demoPlayer) {
      if (!await hasDemoRegion(db)) await seedDemo(db, admin.rootAreaId)
      const cast = await issueDemoCredentials(db)
      closers.unshift(await opts.demoPlayer({ mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`, ...cast }))
      logger.child({ part: 'demo' }).info({ households: cast.households.length, intercoms: cast.intercoms.length, devices: cast.intercoms.length + cast.households.reduce((n, h) => n + (h.wearable ? 1 : 0) + (h.fallDetector ? 1 : 0), 0) }, 'demo devices running')
      demo = true
    }
    return {
      app, gateway, db, ports, admin, demo,
      async close () {
        for (const close of closers) await close().catch((err) => logger.warn({ err }, 'error while closing'))
      }
    }
  } catch (err) {
    for (const close of closers) await close().catch(() => {})
    throw err
  }
}
