// Debian's haproxy in front of local gateways and platform nodes, on the very file the compose
// stack uses (deploy/haproxy.cfg): its addresses are "${NAME-default}" and this helper sets them
// to free ports on 127.0.0.1 and to the backends the test started. The file has two gateway and
// two platform slots; given one backend, both slots point at it.
//
//   const lb = await startHaproxy({ gateways: [{ mqtt: node.ports.mqtt, ws: node.ports.mqttWs }], platforms: [{ http: node.ports.http }] })
//   mqtt.connect(`mqtt://127.0.0.1:${lb.mqttPort}`) … fetch(`http://127.0.0.1:${lb.httpPort}/api/health`)
//   await lb.stop()
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port.ts'
import { canConnect, looksLikePortInUse, ServerStartError, spawnServer, waitUntilReady, type ServerProcess } from './process.ts'
import { needs, type Requirement } from './requirements.ts'

export const HAPROXY_BIN = '/usr/sbin/haproxy'
export const HAPROXY_CFG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url))

/** haproxy's requirement line for a test file (fails on CI, skips elsewhere, when missing). */
export function needsHaproxy (): Requirement {
  return needs('haproxy', HAPROXY_BIN, 'haproxy')
}

export interface HaproxyBackends {
  /** The gateways' MQTT/TCP ports (and MQTT/WebSocket ports) on 127.0.0.1: one or two. */
  gateways: Array<{ mqtt: number, ws?: number | null }>
  /** The platform nodes' HTTP ports on 127.0.0.1: one or two. */
  platforms: Array<{ http: number }>
}

export interface Haproxy {
  mqttPort: number
  mqttWsPort: number
  httpPort: number
  process: ServerProcess
  /** haproxy's log lines so far (connections, server state changes). */
  logTail(lines?: number): string
  stop(): Promise<void>
}

/** Health-check interval: the compose file's 2 s is slow for a test that kills a node. */
const CHECK_INTERVAL = '300ms'

export async function startHaproxy (backends: HaproxyBackends, opts: { checkInterval?: string, maxconn?: number } = {}): Promise<Haproxy> {
  const slot = <T>(list: T[], i: number): T => {
    if (list.length < 1 || list.length > 2) throw new Error(`deploy/haproxy.cfg has two slots; got ${list.length} backends`)
    return list[Math.min(i, list.length - 1)]
  }
  // A closed port for a gateway without WebSocket: haproxy marks that server down.
  const noWs = await freePort()
  for (let attempt = 1; ; attempt++) {
    const [mqttPort, mqttWsPort, httpPort] = [await freePort(), await freePort(), await freePort()]
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      LB_MQTT_BIND: `127.0.0.1:${mqttPort}`,
      LB_MQTT_WS_BIND: `127.0.0.1:${mqttWsPort}`,
      LB_HTTP_BIND: `127.0.0.1:${httpPort}`,
      LB_CHECK_INTER: opts.checkInterval ?? CHECK_INTERVAL,
      // ~2 descriptors per connection must fit `ulimit -n` (20,000 here)
      LB_MAXCONN: String(opts.maxconn ?? 4000),
      // no DNS is asked: every backend is an IP address
      LB_DNS: '127.0.0.1:53'
    }
    for (const i of [0, 1]) {
      const g = slot(backends.gateways, i)
      env[`GATEWAY_${i + 1}_MQTT`] = `127.0.0.1:${g.mqtt}`
      env[`GATEWAY_${i + 1}_WS`] = `127.0.0.1:${g.ws ?? noWs}`
      env[`PLATFORM_${i + 1}_HTTP`] = `127.0.0.1:${slot(backends.platforms, i).http}`
    }
    const proc = spawnServer('haproxy', HAPROXY_BIN, ['-f', HAPROXY_CFG, '-db'], { env, cwd: join(HAPROXY_CFG, '..') })
    try {
      await waitUntilReady('haproxy', async () => (await canConnect(mqttPort)) && (await canConnect(mqttWsPort)) && (await canConnect(httpPort)), { process: proc, timeoutMs: 10_000 })
    } catch (err) {
      await proc.kill('SIGKILL')
      if (attempt < 3 && err instanceof ServerStartError && looksLikePortInUse(err.logTail)) continue
      throw err
    }
    return {
      mqttPort,
      mqttWsPort,
      httpPort,
      process: proc,
      logTail: (n?: number) => proc.logTail(n),
      stop: () => proc.kill('SIGTERM', 3000)
    }
  }
}
