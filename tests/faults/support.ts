/**
 * The fault suite's harness: the real embedded process (`platform/src/main.ts`, what `npm start`
 * runs) as a child process on loopback, so a test can SIGKILL it and start it again on the same
 * data directory and ports; plus the few device-side helpers every fault test shares.
 *
 * Everything is bounded: a start waits at most START_TIMEOUT_MS, and every process is killed
 * and every temp dir removed when the test process exits (tests/support/process.ts).
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect, type Socket } from 'node:net'
import { PGlite } from '@electric-sql/pglite'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import pg from 'pg'
import { deviceTopic, type DeviceErrorMessage, type DeviceType, type IncidentDto } from '@eldercare/protocols'
import { freePorts } from '../support/free-port.ts'
import { spawnServer, waitUntilReady, type ServerProcess } from '../support/process.ts'
import { ADMIN, Api, TEST_DATA_KEY, seedHome, type SeededHome } from '../support/platform.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** How long one start of the process may take (PGlite migrations on a loaded 2-core CI machine). */
export const START_TIMEOUT_MS = 60_000

export interface NodeStore {
  /** PGlite files here … */
  dataDir: string
  /** … or PostgreSQL at this URL (DATA_DIR still holds the data key) */
  databaseUrl?: string
  influxUrl?: string
}

export interface NodeProcess {
  proc: ServerProcess
  httpUrl: string
  mqttUrl: string
  mqttPort: number
  httpPort: number
  api: Api
  /** SIGTERM and wait (graceful: the store is closed cleanly). */
  stop(): Promise<void>
  /** SIGKILL and wait: a crash, no cleanup of any kind. */
  kill9(): Promise<void>
}

export interface NodePorts { http: number, mqtt: number }

/** Two free loopback ports, kept for every start of one node (a restarted node must be found where it was). */
export async function nodePorts (): Promise<NodePorts> {
  const [http, mqtt] = await freePorts(2)
  return { http, mqtt }
}

/**
 * Starts `node --import tsx platform/src/main.ts` on `ports` and `store`; resolves once it logged
 * its "listening" line (operator-api.md) and the admin can log in.
 */
export async function startNode (store: NodeStore, ports: NodePorts, env: Record<string, string> = {}): Promise<NodeProcess> {
  const proc = spawnServer('embedded', process.execPath, ['--import', 'tsx', 'platform/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      HTTP_PORT: String(ports.http),
      MQTT_PORT: String(ports.mqtt),
      MQTT_WS_PORT: '0',
      DATA_DIR: store.dataDir,
      // with DATABASE_URL every node must name its data key (issue 13); the restarted node reads with the same one
      ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl, DATA_KEY: TEST_DATA_KEY } : {}),
      ...(store.influxUrl ? { INFLUX_URL: store.influxUrl } : {}),
      DEMO: 'off',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'info',
      ...env
    }
  })
  let listening = false
  proc.child.stdout?.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('"msg":"listening"')) listening = true
  })
  const started = Date.now()
  await waitUntilReady('embedded process', async () => listening, { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, process: proc })
  log(`embedded process ${proc.pid} listening after ${Date.now() - started} ms`)
  const httpUrl = `http://127.0.0.1:${ports.http}`
  const api = new Api(httpUrl)
  await api.login()
  return {
    proc,
    httpUrl,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    mqttPort: ports.mqtt,
    httpPort: ports.http,
    api,
    stop: () => proc.kill('SIGTERM', 15_000),
    kill9: () => proc.kill('SIGKILL', 0)
  }
}

/** One home (district … resident) and `count` devices of `type` for its resident, through the REST API. */
export async function seedDevices (api: Api, count: number, type: DeviceType = 'fall_detector'): Promise<{ home: SeededHome, devices: Array<{ id: string, secret: string }> }> {
  const home = await seedHome(api, { deviceType: type })
  const devices = [home.device]
  for (let i = 1; i < count; i++) {
    const d = await api.post<{ id: string, secret: string }>('/api/devices', { type, siteId: home.siteId, residentId: home.residentId })
    devices.push({ id: d.id, secret: d.secret })
  }
  return { home, devices }
}

/** The resident's incidents, through the REST API. */
export async function incidentsOf (api: Api, residentId: string): Promise<IncidentDto[]> {
  const { items } = await api.get<{ items: IncidentDto[] }>(`/api/incidents?status=all&residentId=${residentId}&limit=200`)
  return items.filter((i) => i.residentId === residentId)
}

export interface InboxRow { device_id: string, msg_id: string, type: string, processed_at: Date | null, clock_skew: boolean, device_ts: Date | null, received_at: Date, payload: unknown }

/** Reads the inbox rows of `deviceIds` from PostgreSQL while the process runs. */
export async function inboxOnPostgres (url: string, deviceIds: string[]): Promise<InboxRow[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<InboxRow>('select device_id, msg_id, type, processed_at, clock_skew, device_ts, received_at, payload from inbox where device_id = any($1) order by seq', [deviceIds])).rows
  } finally {
    await client.end()
  }
}

/** Reads the inbox rows of `deviceIds` from the PGlite files of a node (its DATA_DIR) whose process has stopped. */
export async function inboxOnPGlite (dataDir: string, deviceIds: string[]): Promise<InboxRow[]> {
  const lite = await PGlite.create(join(dataDir, 'pglite')) // where the platform keeps them (embedded.ts)
  try {
    return (await lite.query<InboxRow>('select device_id, msg_id, type, processed_at, clock_skew, device_ts, received_at, payload from inbox where device_id = any($1) order by seq', [deviceIds])).rows
  } finally {
    await lite.close()
  }
}

export interface Device {
  id: string
  client: MqttClient
  /** answers on the device's errors topic */
  errors: DeviceErrorMessage[]
  /** times the connection closed under the device */
  closes: number
  end(): Promise<void>
}

/** An MQTT.js device (clientId = username = id [P-1.2]) subscribed to its errors topic, counting closes. */
export async function device (url: string, cred: { id: string, secret: string }, opts: IClientOptions = {}): Promise<Device> {
  const client = mqtt.connect(url, { clientId: cred.id, username: cred.id, password: cred.secret, reconnectPeriod: 0, connectTimeout: 20_000, keepalive: 30, ...opts })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  const d: Device = { id: cred.id, client, errors: [], closes: 0, end: async () => { await client.endAsync(true).catch(() => {}) } }
  client.on('close', () => { d.closes++ })
  // a reconnecting device sees refused connections while the node is down: expected, not fatal
  client.on('error', () => {})
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/errors')) d.errors.push(JSON.parse(payload.toString()) as DeviceErrorMessage)
  })
  await client.subscribeAsync(deviceTopic(cred.id, 'errors'), { qos: 0 })
  return d
}

/** Publishes raw bytes at QoS 1; resolves with whether a PUBACK came within `timeoutMs`. */
export function publishAcked (client: MqttClient, topic: string, payload: string | Buffer, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    client.publish(topic, payload, { qos: 1 }, (err) => {
      clearTimeout(timer)
      resolve(!err)
    })
  })
}

/**
 * A QoS 1 publish the way firmware does it [P-4.1]: until the PUBACK comes, resend. MQTT.js
 * itself resends what it holds after a reconnect, but reports some publishes as failed when
 * connections keep closing under it; those are published again (same bytes, same id [P-2.4]).
 * Stops when the client is ended. `onAck` runs once, at the PUBACK.
 */
export function publishUntilAcked (client: MqttClient, topic: string, payload: string, onAck: () => void, stats: { resends: number } = { resends: 0 }): void {
  const attempt = (): void => {
    client.publish(topic, payload, { qos: 1 }, (err) => {
      if (!err) return onAck()
      if (client.disconnecting) return
      stats.resends++
      setTimeout(attempt, 250)
    })
  }
  attempt()
}

/** A raw TCP socket to the broker, with everything it received. */
export function rawSocket (port: number): Promise<{ socket: Socket, received: Buffer[], closed: Promise<void>, isClosed(): boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' })
    const received: Buffer[] = []
    let closedFlag = false
    const closed = new Promise<void>((r) => socket.once('close', () => { closedFlag = true; r() }))
    socket.on('data', (b) => received.push(b))
    socket.on('error', () => {}) // a reset by the broker shows as 'close'
    socket.once('connect', () => resolve({ socket, received, closed, isClosed: () => closedFlag }))
    socket.once('error', reject)
  })
}

/** Resolves true when `p` settles within `ms`, false otherwise. */
export async function within (p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms) })])
  clearTimeout(timer)
  return r
}

/** A progress line with the test's elapsed time: the suite's figures, printed, not asserted. */
export function log (line: string): void {
  process.stderr.write(`[faults ${new Date().toISOString().slice(11, 23)}] ${line}\n`)
}

/** A fall body [P-3.2]. */
export const fall = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ id, ts: Date.now(), type: 'fall', ...extra })

export { waitUntilReady }
