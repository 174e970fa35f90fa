/**
 * Start-up configuration: one defaults object, every variable validated at once, so a
 * bad environment is reported in full before anything starts (operator-api.md, "Start-up configuration").
 */
import { EnvReader, type TlsFiles } from '@eldercare/common'
import { DEFAULT_TIME_ZONE, isTimeZone } from './lib/local-time.ts'
import { readTurnConfig, type TurnConfig } from './features/calls/index.ts'

export interface Config {
  /** REST, socket.io, dashboard, /docs, /metrics. Default 8080; 0 = any free port. */
  httpPort: number
  /** Device MQTT over TCP. Default 1883; 0 = any free port. */
  mqttPort: number
  /** Device MQTT over WebSocket at /mqtt. Default 8083; 0 = any free port. */
  mqttWsPort: number
  /** [P-1.1] Device MQTT over TLS, on when both MQTT_TLS_CERT and MQTT_TLS_KEY (PEM file paths) are set. Default port 8883. */
  mqttTls: TlsFiles | null
  /** Interface to bind. Default 0.0.0.0. */
  host: string
  /** Embedded database files. Default ./data. */
  dataDir: string
  /** PostgreSQL instead of the embedded database. */
  databaseUrl: string | null
  /** InfluxDB for readings. */
  influxUrl: string | null
  /** Redis to join several nodes. */
  redisUrl: string | null
  adminUsername: string
  /** null: generate one and print it once. */
  adminPassword: string | null
  /** Seed a demo region and run simulated devices: 'auto' = only on an empty embedded database. */
  demo: 'auto' | 'on' | 'off'
  /** 32-byte key (base64) for sensitive fields at rest; default: DATA_DIR/data.key, created on first start. */
  dataKey: string | null
  /** Operator session lifetime, in hours. Default 12 (one shift). */
  sessionTtlHours: number
  logLevel: string
  /** IANA zone of the calendar days and months the service reports in. Default Asia/Shanghai. */
  timeZone: string
  /** Notifications (family, responders, supervisors) by signed HTTP POST to this URL; null: log only. */
  notifyWebhookUrl: string | null
  /** HMAC-SHA256 key signing each webhook message; required with NOTIFY_WEBHOOK_URL. */
  notifyWebhookSecret: string | null
  /** Public base URL of the platform, put in front of responder links, e.g. https://centre.example. */
  publicUrl: string | null
  /** STUN/TURN servers for video calls: TURN_URLS, TURN_SECRET or TURN_USERNAME/TURN_CREDENTIAL, TURN_TTL_S (docs/calls.md). */
  turn: TurnConfig
}

import { errors } from './errors.ts'

export class ConfigError extends Error {
  readonly code = errors.CONFIG.code
  constructor (readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
}

export function loadConfig (env: NodeJS.ProcessEnv): Config {
  const r = new EnvReader(env)
  const problems = r.problems
  const demoRaw = (env.DEMO ?? 'auto').toLowerCase()
  const demo = ({ auto: 'auto', on: 'on', true: 'on', '1': 'on', off: 'off', false: 'off', '0': 'off' } as const)[demoRaw as 'auto']
  if (!demo) problems.push(`DEMO="${env.DEMO}" must be on, off or auto`)
  const ttl = Number(env.SESSION_TTL_HOURS ?? 12)
  if (!(ttl > 0 && ttl <= 24 * 30)) problems.push(`SESSION_TTL_HOURS="${env.SESSION_TTL_HOURS}" must be a number of hours between 0 and 720`)
  const adminPassword = env.ADMIN_PASSWORD || null
  if (adminPassword !== null && adminPassword.length < 8) problems.push('ADMIN_PASSWORD must be at least 8 characters')
  const adminUsername = env.ADMIN_USERNAME || 'admin'
  if (!/^[A-Za-z0-9._-]{3,64}$/.test(adminUsername)) problems.push('ADMIN_USERNAME must be 3–64 letters, digits, ".", "_" or "-"')
  const dataKey = env.DATA_KEY || null
  if (dataKey !== null && Buffer.from(dataKey, 'base64').length !== 32) problems.push('DATA_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)')
  const notifyWebhookUrl = r.url('NOTIFY_WEBHOOK_URL', ['http:', 'https:'])
  const notifyWebhookSecret = env.NOTIFY_WEBHOOK_SECRET || null
  if (notifyWebhookUrl && (!notifyWebhookSecret || notifyWebhookSecret.length < 16)) problems.push('NOTIFY_WEBHOOK_SECRET must be set (at least 16 characters) when NOTIFY_WEBHOOK_URL is')
  const publicUrl = r.url('PUBLIC_URL', ['http:', 'https:'])
  const timeZone = env.TIME_ZONE || DEFAULT_TIME_ZONE
  if (!isTimeZone(timeZone)) problems.push(`TIME_ZONE="${timeZone}" is not an IANA time zone (e.g. Asia/Shanghai)`)
  const cfg: Config = {
    httpPort: r.port('HTTP_PORT', 8080),
    mqttPort: r.port('MQTT_PORT', 1883),
    mqttWsPort: r.port('MQTT_WS_PORT', 8083),
    mqttTls: r.mqttTls(),
    host: env.HOST || '0.0.0.0',
    dataDir: env.DATA_DIR || './data',
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    influxUrl: r.url('INFLUX_URL', ['http:', 'https:']),
    redisUrl: r.url('REDIS_URL', ['redis:', 'rediss:']),
    adminUsername,
    adminPassword,
    demo: demo ?? 'auto',
    dataKey,
    sessionTtlHours: ttl,
    logLevel: env.LOG_LEVEL || 'info',
    timeZone,
    notifyWebhookUrl,
    notifyWebhookSecret,
    publicUrl: publicUrl?.replace(/\/+$/, '') ?? null,
    turn: readTurnConfig(env, problems)
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return cfg
}
