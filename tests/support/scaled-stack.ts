// The scaled topology (docker-compose.yml) as local processes, for the tests that take parts of it
// away and for `npm run bench:alarms -- --mode scaled`: real PostgreSQL, Redis and InfluxDB
// (Debian's), standalone gateways and platform nodes (nodes.ts) on ports of their own, and
// Debian's haproxy in front on deploy/haproxy.cfg (haproxy.ts) — devices connect to its MQTT
// port (PROXY protocol to the gateways), operators to its HTTP port.
//
//   const stack = await startScaledStack({ gateways: 2, platforms: 2, admin })
//   mqtt.connect(`mqtt://127.0.0.1:${stack.mqttPort}`) … new Api(stack.httpUrl)
//   await stack.gateways[0].crash(); await stack.gateways[0].start()   // kill -9, then back on its ports
//   await stack.stop()
import { freePorts } from './free-port.ts'
import { startHaproxy, type Haproxy } from './haproxy.ts'
import { startInflux, type InfluxServer } from './influx.ts'
import { startGatewayNode, startPlatformNode, type NodeProcess } from './nodes.ts'
import { startPostgres, type PostgresServer } from './postgres.ts'
import { ServerStartError, waitUntilReady } from './process.ts'
import { startRedis, type RedisServer } from './redis.ts'

/** One data key for every node: a field sealed on one node is read on any other (issue 13). */
export const STACK_DATA_KEY = Buffer.alloc(32, 7).toString('base64')

/** Tries at a node's first start: each with ports picked anew when the last lost them to another socket. */
const FIRST_START_ATTEMPTS = 3

/**
 * A gateway or platform node that can be killed and started again on the same ports (haproxy
 * keeps them). Its ports (`portVars`, e.g. MQTT_PORT) are picked just before its first start:
 * picked earlier, a port stayed free only until another process's outgoing connection (the first
 * platform node's, to PostgreSQL, while it migrates) happened to take it as its own, and the node
 * then failed with "address already in use". Should that still happen, the first start picks
 * other ports and tries again.
 */
export class ScaledNode {
  private current: NodeProcess | null = null
  readonly env: Record<string, string>
  private started = false
  constructor (readonly name: string, private readonly part: 'gateway' | 'platform', env: Record<string, string>, private readonly root?: string, private readonly portVars: readonly string[] = [], private readonly pickPorts: (count: number) => Promise<number[]> = freePorts) {
    this.env = { ...env }
  }

  get running (): boolean { return this.current !== null && !this.current.process.hasExited() }
  /** The process id while it runs (what a benchmark measures). */
  get pid (): number | null { return this.running ? this.current!.process.pid : null }
  async start (): Promise<void> {
    if (this.running) return
    const start = () => (this.part === 'gateway' ? startGatewayNode : startPlatformNode)(this.env, { name: this.name, root: this.root })
    if (this.started) { this.current = await start(); return }
    for (let attempt = 1; ; attempt++) {
      const ports = await this.pickPorts(this.portVars.length)
      this.portVars.forEach((v, i) => { this.env[v] = String(ports[i]) })
      try {
        this.current = await start()
        this.started = true
        return
      } catch (err) {
        if (!(err instanceof ServerStartError && err.logTail.includes('EADDRINUSE')) || attempt >= FIRST_START_ATTEMPTS) throw err
      }
    }
  }

  /** kill -9: no shutdown hook runs, every socket is cut. */
  async crash (): Promise<void> { await this.current?.process.kill('SIGKILL') }
  async stop (): Promise<void> { await this.current?.stop() }
  logTail (lines?: number): string { return this.current?.logTail(lines) ?? '' }
}

export interface ScaledStackOptions {
  /** standalone gateways: 1 or 2 (deploy/haproxy.cfg has two slots) */
  gateways: number
  /** platform nodes: 1 or 2 */
  platforms: number
  /** the administrator the first platform node creates */
  admin: { username: string, password: string }
  /** more environment for every platform node (a webhook, a policy …) */
  platformEnv?: Record<string, string>
  /** readings into InfluxDB (default true), else into PostgreSQL */
  influx?: boolean
  /** Redis keeps its data across halt()/resume(), as production runs it (default true) */
  persistentRedis?: boolean
  /** the nodes' LOG_LEVEL (default info) */
  logLevel?: string
  /** haproxy's connection limit (default 4000; about two descriptors each must fit `ulimit -n`) */
  maxconn?: number
  /** haproxy's health-check interval (default haproxy.ts's 300ms, quick for tests that kill nodes; deploy/haproxy.cfg's own is 2s) */
  checkInterval?: string
  /** the checkout whose nodes run (default this one) */
  root?: string
  /** progress lines */
  log?: (line: string) => void
}

export interface ScaledStack {
  postgres: PostgresServer
  redis: RedisServer
  influx: InfluxServer | null
  haproxy: Haproxy
  gateways: ScaledNode[]
  platforms: ScaledNode[]
  databaseUrl: string
  /** `http://127.0.0.1:PORT` of InfluxDB's database, or null */
  influxUrl: string | null
  /** haproxy's HTTP frontend (operators, REST, socket.io) */
  httpUrl: string
  /** haproxy's MQTT/TCP frontend (devices) */
  mqttPort: number
  /** every node, gateways first */
  nodes(): ScaledNode[]
  stop(): Promise<void>
}

/** Starts the stack; the first platform node migrates the database and creates the administrator. Stops what it started if a part fails. */
export async function startScaledStack (opts: ScaledStackOptions): Promise<ScaledStack> {
  for (const [what, n] of [['gateways', opts.gateways], ['platforms', opts.platforms]] as const) {
    if (!Number.isInteger(n) || n < 1 || n > 2) throw new Error(`${what}: ${n}; deploy/haproxy.cfg has two slots, so 1 or 2`)
  }
  const log = opts.log ?? (() => {})
  const parts: Partial<ScaledStack> = { gateways: [], platforms: [] }
  const stop = async () => {
    await Promise.all([...(parts.gateways ?? []), ...(parts.platforms ?? [])].map((n) => n.stop().catch(() => {})))
    await parts.haproxy?.stop().catch(() => {})
    await Promise.all([parts.redis?.stop(), parts.influx?.dispose(), parts.postgres?.stop()].map((p) => p?.catch(() => {})))
  }
  try {
    const influx = opts.influx ?? true
    const [postgres, redis, influxServer] = await Promise.all([startPostgres(), startRedis({ persistent: opts.persistentRedis ?? true }), influx ? startInflux() : Promise.resolve(null)])
    Object.assign(parts, { postgres, redis, influx: influxServer })
    const [databaseUrl, influxUrl] = await Promise.all([postgres.createDatabase('scaled'), influxServer ? influxServer.createDatabase('vitals') : Promise.resolve(null)])
    Object.assign(parts, { databaseUrl, influxUrl })
    log(`PostgreSQL, Redis${influxServer ? ', InfluxDB' : ''} up`)
    const shared: Record<string, string> = { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, ...(influxUrl ? { INFLUX_URL: influxUrl } : {}), ...(opts.logLevel ? { LOG_LEVEL: opts.logLevel } : {}) }
    const platformEnv = { ...shared, ADMIN_USERNAME: opts.admin.username, ADMIN_PASSWORD: opts.admin.password, DATA_KEY: STACK_DATA_KEY, ...opts.platformEnv }
    for (let i = 1; i <= opts.platforms; i++) parts.platforms!.push(new ScaledNode(`platform-${i}`, 'platform', platformEnv, opts.root, ['HTTP_PORT']))
    for (let i = 1; i <= opts.gateways; i++) {
      // GATEWAY_HTTP_PORT: its /metrics (a benchmark sums them) and /ready
      parts.gateways!.push(new ScaledNode(`gateway-${i}`, 'gateway', { ...shared, MQTT_PROXY_PROTOCOL: 'on' }, opts.root, ['MQTT_PORT', 'MQTT_WS_PORT', 'GATEWAY_HTTP_PORT']))
    }
    const [first, ...others] = parts.platforms!
    await first.start() // runs the migrations and creates the administrator
    await Promise.all([...others, ...parts.gateways!].map((n) => n.start()))
    log(`${opts.gateways} gateway(s) and ${opts.platforms} platform node(s) up`)
    const haproxy = parts.haproxy = await startHaproxy({
      gateways: parts.gateways!.map((g) => ({ mqtt: Number(g.env.MQTT_PORT), ws: Number(g.env.MQTT_WS_PORT) })),
      platforms: parts.platforms!.map((p) => ({ http: Number(p.env.HTTP_PORT) }))
    }, { maxconn: opts.maxconn, checkInterval: opts.checkInterval })
    const httpUrl = `http://127.0.0.1:${haproxy.httpPort}`
    // haproxy routes to a node once its health checks pass
    await waitUntilReady('the stack through haproxy', async () => (await fetch(`${httpUrl}/api/health`)).status === 200, { timeoutMs: 30_000, intervalMs: 100, logTail: () => haproxy.logTail() })
    return {
      ...(parts as Omit<ScaledStack, 'httpUrl' | 'mqttPort' | 'nodes' | 'stop'>),
      httpUrl,
      mqttPort: haproxy.mqttPort,
      nodes: () => [...parts.gateways!, ...parts.platforms!],
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}
