// The scaled topology as separate processes, for tests that kill one of them (ARCHITECTURE.md,
// "Runtime modes"; deploy/haproxy.cfg): standalone gateways (gateway/src/main.ts) and platform
// nodes (platform/src/main.ts) started from their TypeScript sources with tsx, each on ports
// chosen once so that a node killed with SIGKILL comes back where HAProxy expects it, and
// Debian's HAProxy in front with the same shape as deploy/haproxy.cfg (TCP for MQTT, HTTP with
// a health check for the platform).
//
//   const g1 = await startNode(gatewayNode('gateway-1', env))
//   await g1.crash()        // kill -9
//   await g1.start()        // back on the same ports
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port.ts'
import { canConnect, makeTempDir, spawnServer, waitUntilReady, type ServerProcess } from './process.ts'
import { needs, type Requirement } from './requirements.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const HAPROXY_BIN = '/usr/sbin/haproxy'

/** The test needs HAProxy (skip or, on CI, fail). */
export function needsHaproxy(name = 'HAProxy'): Requirement {
  return needs(name, HAPROXY_BIN, 'haproxy')
}

export interface NodeSpec {
  name: string
  /** The entry module, relative to the repository root. */
  entry: string
  env: Record<string, string>
  /** Resolves true when the node is ready to serve. */
  ready(): Promise<boolean>
}

export interface ClusterNode {
  readonly name: string
  readonly env: Record<string, string>
  readonly running: boolean
  readonly pid: number
  /** Starts the node (again) and waits until it is ready. */
  start(): Promise<void>
  /** kill -9: no shutdown hook runs, sockets are cut. */
  crash(): Promise<void>
  /** SIGTERM, SIGKILL after 10 s. */
  stop(): Promise<void>
  logTail(lines?: number): string
}

/** A standalone gateway on a port of its own (MQTT over TCP; WebSocket on another free port). */
export async function gatewayNode(name: string, env: { DATABASE_URL: string; REDIS_URL: string; INFLUX_URL?: string }): Promise<NodeSpec & { mqttPort: number }> {
  const [mqttPort, wsPort] = [await freePort(), await freePort()]
  return {
    name,
    entry: 'gateway/src/main.ts',
    mqttPort,
    env: { ...env, HOST: '127.0.0.1', MQTT_PORT: String(mqttPort), MQTT_WS_PORT: String(wsPort), LOG_LEVEL: 'warn' },
    ready: () => canConnect(mqttPort)
  }
}

/** A platform node (REST, socket.io, incident engine, SLA scheduler, notifications) on a port of its own. */
export async function platformNode(name: string, env: Record<string, string>): Promise<NodeSpec & { httpPort: number; url: string }> {
  const httpPort = await freePort()
  const data = makeTempDir(`platform-${name}`)
  const url = `http://127.0.0.1:${httpPort}`
  return {
    name,
    entry: 'platform/src/main.ts',
    httpPort,
    url,
    // its own broker is not behind HAProxy: devices reach the standalone gateways
    env: { HOST: '127.0.0.1', HTTP_PORT: String(httpPort), MQTT_PORT: '0', MQTT_WS_PORT: '0', DATA_DIR: data.dir, DEMO: 'off', LOG_LEVEL: 'warn', ...env },
    ready: async () => (await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).status === 200
  }
}

export function clusterNode(spec: NodeSpec): ClusterNode {
  let proc: ServerProcess | undefined
  return {
    name: spec.name,
    env: spec.env,
    get running() {
      return proc !== undefined && !proc.hasExited()
    },
    get pid() {
      return proc?.pid ?? -1
    },
    async start() {
      if (proc && !proc.hasExited()) return
      const current = spawnServer(spec.name, process.execPath, ['--import', 'tsx', join(ROOT, spec.entry)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...spec.env }
      })
      proc = current
      try {
        await waitUntilReady(spec.name, spec.ready, { timeoutMs: 60_000, intervalMs: 200, process: current })
      } catch (err) {
        await current.kill('SIGKILL')
        throw err
      }
    },
    async crash() {
      await proc?.kill('SIGKILL')
    },
    async stop() {
      await proc?.kill('SIGTERM', 10_000)
    },
    logTail: (lines) => proc?.logTail(lines) ?? ''
  }
}

export interface Haproxy {
  /** Where devices connect: mqtt://127.0.0.1:PORT */
  readonly mqttUrl: string
  /** Where operators connect: http://127.0.0.1:PORT */
  readonly httpUrl: string
  stop(): Promise<void>
}

/**
 * Debian's HAProxy in front of the nodes, shaped like deploy/haproxy.cfg (TCP leastconn for
 * MQTT; HTTP with GET /api/health checks for the platform) with checks every 500 ms so a dead
 * node is marked down within about a second, and `option redispatch` so a connection that
 * finds a dead server before the check does is tried on the other one.
 */
export async function startHaproxy(backends: { gateways: number[]; platforms: number[] }): Promise<Haproxy> {
  const temp = makeTempDir('haproxy')
  const [mqttPort, httpPort] = [await freePort(), await freePort()]
  const cfg = `
global
    maxconn 4000

defaults
    mode tcp
    timeout connect 2s
    timeout client 180s
    timeout server 180s
    retries 2
    option redispatch
    default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions

frontend mqtt
    bind 127.0.0.1:${mqttPort}
    default_backend gateways

backend gateways
    balance leastconn
${backends.gateways.map((p, i) => `    server gateway-${i + 1} 127.0.0.1:${p} check`).join('\n')}

frontend http
    mode http
    bind 127.0.0.1:${httpPort}
    timeout client 180s
    default_backend platforms

backend platforms
    mode http
    balance roundrobin
    cookie SRV insert indirect nocache httponly
    option httpchk GET /api/health
    http-check expect status 200
    timeout tunnel 1h
${backends.platforms.map((p, i) => `    server platform-${i + 1} 127.0.0.1:${p} check cookie p${i + 1}`).join('\n')}
`
  const file = join(temp.dir, 'haproxy.cfg')
  writeFileSync(file, cfg)
  const proc = spawnServer('haproxy', HAPROXY_BIN, ['-f', file, '-db'], { cwd: temp.dir })
  try {
    await waitUntilReady('HAProxy', async () => (await canConnect(mqttPort)) && (await canConnect(httpPort)), { timeoutMs: 20_000, process: proc })
  } catch (err) {
    await proc.kill('SIGKILL')
    temp.remove()
    throw err
  }
  return {
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    async stop() {
      await proc.kill('SIGTERM', 5000)
      temp.remove()
    }
  }
}
