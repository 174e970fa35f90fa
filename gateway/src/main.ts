/**
 * A standalone gateway process for the scaled mode: devices connect here; alarms go to
 * the PostgreSQL inbox; Redis joins this broker to the other gateways and platform nodes.
 * Only this module reads the environment and listens.
 */
import { ConfigError, EnvReader, loadTlsFiles } from '@eldercare/common'
import pg from 'pg'
import { pino } from 'pino'
import { Gateway } from './gateway.ts'
import { readListenBacklog } from './listeners.ts'
import { startGatewayHttp, type GatewayHttp } from './http.ts'
import { gatewayMetricSources, metricsRegistry } from './metrics.ts'
import { InfluxTrackStore, InfluxVitalsStore } from '@eldercare/readings'

function loadGatewayConfig (env: NodeJS.ProcessEnv) {
  const r = new EnvReader(env, 'GW_ERR_CONFIG') // docs/gateway.md, "Error codes"
  const cfg = {
    mqttPort: r.port('MQTT_PORT', 1883),
    mqttWsPort: r.port('MQTT_WS_PORT', 8083),
    /** device handshakes held until accepted, per listener (listeners.ts) */
    backlog: readListenBacklog(r),
    /** /metrics, /live, /ready (http.ts); off when unset; bound on HOST as the MQTT listeners */
    httpPort: r.port('GATEWAY_HTTP_PORT', null),
    host: r.string('HOST', '0.0.0.0'),
    /** when set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`, as the platform's */
    metricsToken: r.token('METRICS_TOKEN', 16),
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:'], { required: true })!,
    redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:'], { required: true })!,
    /** readings in InfluxDB; else in the database */
    influxUrl: r.url('INFLUX_URL', ['http:', 'https:']),
    logLevel: r.string('LOG_LEVEL', 'info'),
    // [P-1.1] MQTT over TLS when both PEM files are given
    tls: r.mqttTls(),
    /** behind HAProxy's send-proxy (deploy/haproxy.cfg): MQTT/TCP connections start with a PROXY line */
    proxyProtocol: r.flag('MQTT_PROXY_PROTOCOL', false)
  }
  r.done()
  return cfg
}

async function main (): Promise<void> {
  let cfg
  try {
    cfg = loadGatewayConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) { process.stderr.write(`${err.message}\n`); process.exit(2) }
    throw err
  }
  const logger = pino({ level: cfg.logLevel, redact: ['password', '*.password', 'secret', '*.secret'] })
  const pool = new pg.Pool({ connectionString: cfg.databaseUrl, max: 10 })
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection failed'))
  await pool.query('select 1 from inbox limit 0') // the platform's migrations must have run
  const gateway = new Gateway({
    sql: { query: async (sql, params) => { const r = await pool.query(sql, params); return { rows: r.rows, rowCount: r.rowCount ?? 0 } } },
    logger,
    redisUrl: cfg.redisUrl,
    proxyProtocol: cfg.proxyProtocol,
    readings: {
      vitalsStore: cfg.influxUrl ? new InfluxVitalsStore({ url: cfg.influxUrl }) : undefined,
      // the 24-hour position track beside the readings (issue 15)
      trackStore: cfg.influxUrl ? new InfluxTrackStore({ url: cfg.influxUrl }) : undefined
    }
  })
  // registered before listen: the counters see the first message
  const registry = cfg.httpPort === null ? null : metricsRegistry(gatewayMetricSources(gateway))
  const ports = await gateway.listen({ host: cfg.host, mqttPort: cfg.mqttPort, mqttWsPort: cfg.mqttWsPort, tls: cfg.tls && loadTlsFiles(cfg.tls), backlog: cfg.backlog })
  let http: GatewayHttp | null = null
  if (registry && cfg.httpPort !== null) {
    http = await startGatewayHttp({
      host: cfg.host,
      port: cfg.httpPort,
      registry,
      metricsToken: cfg.metricsToken,
      readiness: {
        // without the database no alarm can be PUBACKed [P-4.1]
        database: async () => { await pool.query('select 1'); return {} },
        // without the relay the platform nodes do not hear of this gateway's alarms at once, nor commands reach its devices
        cluster: async () => {
          if (!gateway.clusterRelayUp) throw new Error('Redis relay not subscribed (Redis unreachable?)')
          return { connectedDevices: gateway.connectedClients }
        }
      }
    })
  }
  logger.info({ mqtt: ports.mqtt, mqttWs: ports.mqttWs, mqttTls: ports.mqttTls, http: http?.port ?? null }, 'listening')
  const shutdown = () => {
    Promise.resolve(http?.close()).then(() => gateway.close()).then(() => pool.end()).then(() => process.exit(0), () => process.exit(1))
    setTimeout(() => process.exit(1), 10_000).unref()
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

main().catch((err) => {
  process.stderr.write(`gateway failed to start: ${err?.stack ?? err}\n`)
  process.exit(1)
})
