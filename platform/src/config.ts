/**
 * Start-up configuration: one defaults object, every variable validated at once, so a
 * bad environment is reported in full before anything starts (operator-api.md, "Start-up configuration").
 */
import { EnvReader, type TlsFiles } from '@eldercare/common'
import { readListenBacklog } from '@eldercare/gateway'
import { DEFAULT_TIME_ZONE, isTimeZone } from './lib/local-time.ts'
import { readTurnConfig, type TurnConfig } from './features/calls/index.ts'

/** What the console needs to draw maps: without tiles it draws on a plain background. */
export interface MapConfig { tiles: string | null, attribution: string | null, datum: 'wgs84' | 'gcj02' | 'bd09' }

export interface Config {
  /** REST, socket.io, dashboard, /docs, /metrics. Default 8080; 0 = any free port. */
  httpPort: number
  /** Device MQTT over TCP. Default 1883; 0 = any free port. */
  mqttPort: number
  /** Device MQTT over WebSocket at /mqtt. Default 8083; 0 = any free port. */
  mqttWsPort: number
  /** [P-1.1] Device MQTT over TLS, on when both MQTT_TLS_CERT and MQTT_TLS_KEY (PEM file paths) are set. Default port 8883. */
  mqttTls: TlsFiles | null
  /** Device handshakes the kernel holds until accepted, per MQTT listener (a reconnect storm). Default 4096, capped by net.core.somaxconn. */
  mqttListenBacklog: number
  /** Interface to bind. Default 0.0.0.0. */
  host: string
  /** Embedded database files. Default ./data. */
  dataDir: string
  /** PostgreSQL instead of the embedded database. */
  databaseUrl: string | null
  /** InfluxDB for readings. */
  influxUrl: string | null
  /** The console's map tiles (issue 15): XYZ URL template, attribution, and the datum the tiles are drawn in. */
  map: MapConfig
  /** An incident opens with the wearer's last known position when no older than this (issue 15), minutes. Default 10. */
  positionRecentMinutes: number
  /** Redis to join several nodes. */
  redisUrl: string | null
  adminUsername: string
  /** null: generate one and print it once. */
  adminPassword: string | null
  /** Seed a demo region and run simulated devices: 'auto' = only on an empty embedded database. */
  demo: 'auto' | 'on' | 'off'
  /** 32-byte key (base64) for sensitive fields at rest; default: DATA_DIR/data.key, created on first start. */
  dataKey: string | null
  /** A file holding the data key (base64 or 32 raw bytes) instead of DATA_KEY; created (0600) when missing. */
  dataKeyFile: string | null
  /** Addresses (IPs or CIDRs) of the reverse proxy whose X-Forwarded-For is believed; null: none. */
  trustProxy: string[] | null
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
  metricsToken: string | null
  /** Serve the OpenAPI description at /docs. Default on; DOCS=off closes it. */
  docs: boolean
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

import { isIP } from 'node:net'
import { errors } from './errors.ts'

function isIpOrCidr (a: string): boolean {
  const [ip, bits, extra] = a.split('/')
  const v = isIP(ip)
  if (v === 0 || extra !== undefined) return false
  if (bits === undefined) return true
  const n = Number(bits)
  return /^\d+$/.test(bits) && n >= 0 && n <= (v === 4 ? 32 : 128)
}

/** Every problem of a bad environment at once, with the code `PLT_ERR_CONFIG` (common's, shared with the gateway's main). */
export { ConfigError } from '@eldercare/common'

export function loadConfig (env: NodeJS.ProcessEnv): Config {
  const r = new EnvReader(env, errors.CONFIG.code)
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
  const dataKeyFile = env.DATA_KEY_FILE || null
  if (dataKey !== null && dataKeyFile !== null) problems.push('set DATA_KEY or DATA_KEY_FILE, not both')
  const trustProxy = env.TRUST_PROXY ? env.TRUST_PROXY.split(',').map((a) => a.trim()).filter(Boolean) : null
  // Exactly the proxy hop: addresses or CIDRs, never "true" (which would believe any client's header).
  for (const a of trustProxy ?? []) {
    if (!isIpOrCidr(a)) problems.push(`TRUST_PROXY="${env.TRUST_PROXY}" must list the proxy's IP addresses or CIDR ranges, comma-separated (e.g. 172.18.0.0/16); "${a}" is neither`)
  }
  const metricsToken = r.token('METRICS_TOKEN', 16)
  const docsRaw = (env.DOCS ?? 'on').toLowerCase()
  const docs = ({ on: true, true: true, '1': true, off: false, false: false, '0': false } as Record<string, boolean>)[docsRaw]
  if (docs === undefined) problems.push(`DOCS="${env.DOCS}" must be on or off`)
  const notifyWebhookUrl = r.url('NOTIFY_WEBHOOK_URL', ['http:', 'https:'])
  const notifyWebhookSecret = env.NOTIFY_WEBHOOK_SECRET || null
  if (notifyWebhookUrl && (!notifyWebhookSecret || notifyWebhookSecret.length < 16)) problems.push('NOTIFY_WEBHOOK_SECRET must be set (at least 16 characters) when NOTIFY_WEBHOOK_URL is')
  const publicUrl = r.url('PUBLIC_URL', ['http:', 'https:'])
  const mapTiles = env.MAP_TILES || null
  if (mapTiles !== null && !(/^https?:\/\/[^\s]+$/.test(mapTiles) && mapTiles.includes('{z}') && mapTiles.includes('{x}') && mapTiles.includes('{y}'))) {
    problems.push(`MAP_TILES="${mapTiles}" must be an http(s) XYZ tile URL template with {z}, {x} and {y} (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png)`)
  }
  const mapDatum = (env.MAP_DATUM || 'wgs84') as MapConfig['datum']
  if (!['wgs84', 'gcj02', 'bd09'].includes(mapDatum)) problems.push(`MAP_DATUM="${env.MAP_DATUM}" must be wgs84 (OpenStreetMap, Tianditu), gcj02 (AMap) or bd09 (Baidu)`)
  const positionRecentMinutes = Number(env.POSITION_RECENT_MINUTES ?? 10)
  if (!(Number.isInteger(positionRecentMinutes) && positionRecentMinutes >= 1 && positionRecentMinutes <= 1440)) {
    problems.push(`POSITION_RECENT_MINUTES="${env.POSITION_RECENT_MINUTES}" must be a whole number of minutes from 1 to 1440 (how old a last known position may be for an incident to carry it)`)
  }
  const timeZone = env.TIME_ZONE || DEFAULT_TIME_ZONE
  if (!isTimeZone(timeZone)) problems.push(`TIME_ZONE="${timeZone}" is not an IANA time zone (e.g. Asia/Shanghai)`)
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:'])
  const redisUrl = r.url('REDIS_URL', ['redis:', 'rediss:'])
  // Several nodes (or a node restarted elsewhere) must share one key: without it each draws its
  // own and one node's ciphertext is unreadable to another (issue 13).
  if ((databaseUrl || redisUrl) && dataKey === null && dataKeyFile === null) {
    problems.push(`DATA_KEY (or DATA_KEY_FILE) is required with ${databaseUrl ? 'DATABASE_URL' : 'REDIS_URL'}: every node must encrypt with the same key (e.g. DATA_KEY=$(openssl rand -base64 32))`)
  }
  const cfg: Config = {
    httpPort: r.port('HTTP_PORT', 8080),
    mqttPort: r.port('MQTT_PORT', 1883),
    mqttWsPort: r.port('MQTT_WS_PORT', 8083),
    mqttTls: r.mqttTls(),
    mqttListenBacklog: readListenBacklog(r),
    host: env.HOST || '0.0.0.0',
    dataDir: env.DATA_DIR || './data',
    databaseUrl,
    influxUrl: r.url('INFLUX_URL', ['http:', 'https:']),
    map: { tiles: mapTiles, attribution: env.MAP_ATTRIBUTION || null, datum: mapDatum },
    positionRecentMinutes,
    redisUrl,
    adminUsername,
    adminPassword,
    demo: demo ?? 'auto',
    dataKey,
    dataKeyFile,
    trustProxy,
    metricsToken,
    docs: docs ?? true,
    sessionTtlHours: ttl,
    logLevel: env.LOG_LEVEL || 'info',
    timeZone,
    notifyWebhookUrl,
    notifyWebhookSecret,
    publicUrl: publicUrl?.replace(/\/+$/, '') ?? null,
    turn: readTurnConfig(env, problems)
  }
  r.done() // throws ConfigError with every problem, pushed through r or into r.problems
  return cfg
}
