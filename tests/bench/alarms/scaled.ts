/**
 * `bench:alarms --mode scaled`: the same fleet and the same figures as the embedded run, against
 * the scaled topology as local processes (tests/support/scaled-stack.ts: standalone gateways and
 * platform nodes on real PostgreSQL, Redis and InfluxDB, Debian's haproxy in front on
 * deploy/haproxy.cfg). Devices connect through haproxy's MQTT port (PROXY protocol to the
 * gateways), the operator's socket.io through its HTTP port.
 *
 * What is measured differs from the embedded run only where the topology does (docs/benchmarks.md):
 * CPU and RSS are summed over every gateway and platform process (not PostgreSQL, Redis, InfluxDB
 * or haproxy); `/metrics` is scraped from each platform node and each gateway directly (event-loop
 * lag: the worst node; the alarm-path breakdown: the first platform node); "telemetry accepted" and "points buffered" are summed over every gateway's /metrics
 * (GATEWAY_HTTP_PORT) and platform node's, and "reading points stored" is counted in InfluxDB
 * before and after the run (the gateways write there directly).
 */
import { readFileSync } from 'node:fs'
import { startScaledStack, type ScaledStack } from '../../support/scaled-stack.ts'
import type { Target } from './target.ts'

/** Measurement and retention policy of the readings (readings/src/influx-store.ts). */
const POINTS_QUERY = 'SELECT count("hr") FROM "eldercare_readings"."readings"'

export interface ScaledBench {
  stack: ScaledStack
  /** the target for runTarget, once the fleet is provisioned (the operator's token) */
  target(token: string): Target
  stop(): Promise<void>
}

/** The options of bench.ts this needs (AlarmBenchOptions). */
export interface ScaledBenchOptions { gateways: number, platforms: number, devices: number, root?: string }

/**
 * The connections HAProxy can hold on this machine: about two descriptors each (client side and
 * server side) must fit its `ulimit -n`, which it inherits from us (20,000 here, and no process may
 * raise it: 9,500). Read from /proc/self/limits; 9,500 when that cannot be read.
 */
export function haproxyConnectionCap (): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    if (m) return Math.floor((Number(m[1]) - 1000) / 2)
  } catch { /* not Linux */ }
  return 9500
}

/** The devices a scaled run can connect through HAProxy: its cap less room for consoles, probes and checks. */
export function scaledDeviceCap (): number {
  return Math.floor((haproxyConnectionCap() - 200) / 1.1)
}

export async function startScaledBench (o: ScaledBenchOptions, admin: { username: string, password: string }, log: (line: string) => void): Promise<ScaledBench> {
  const stack = await startScaledStack({
    gateways: o.gateways,
    platforms: o.platforms,
    admin,
    influx: true,
    logLevel: 'warn', // as the embedded run's platform
    // about two descriptors per connection must fit `ulimit -n` (20,000 on these machines)
    maxconn: Math.min(haproxyConnectionCap(), Math.max(4000, Math.ceil(o.devices * 1.1) + 200)),
    // production's health checks (deploy/haproxy.cfg: every 2 s, down after 3 misses); at the tests'
    // 300 ms all 5,000 devices were disconnected mid-run, most likely an overloaded gateway marked
    // down and its sessions cut (on-marked-down shutdown-sessions)
    checkInterval: '2s',
    root: o.root,
    log
  })
  const influxUrl = new URL(stack.influxUrl!)
  const pointsStored = async (): Promise<number | null> => {
    try {
      const url = `${influxUrl.origin}/query?db=${encodeURIComponent(influxUrl.pathname.slice(1))}&q=${encodeURIComponent(POINTS_QUERY)}`
      const body = await (await fetch(url, { signal: AbortSignal.timeout(30_000) })).json() as { results?: Array<{ series?: Array<{ values: Array<[string, number]> }> }> }
      return body.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0
    } catch {
      return null
    }
  }
  // a checkout from before GATEWAY_HTTP_PORT (--root) has gateways without HTTP: then only the platform nodes are scraped
  const gatewayUrls = stack.gateways.map((g) => `http://127.0.0.1:${g.env.GATEWAY_HTTP_PORT}`)
  const gatewaysServe = (await Promise.all(gatewayUrls.map((u) => fetch(`${u}/live`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false)))).every(Boolean)
  if (!gatewaysServe) log('the gateways serve no HTTP (a checkout before GATEWAY_HTTP_PORT): telemetry accepted and points buffered stay unknown')
  return {
    stack,
    target: (token) => ({
      name: `scaled ${o.gateways}gw+${o.platforms}pl`,
      host: '127.0.0.1',
      port: stack.mqttPort,
      probe: { kind: 'socketio', httpUrl: stack.httpUrl, token },
      pids: stack.nodes().map((n) => n.pid).filter((p): p is number => p !== null),
      // platform nodes first: the breakdown reads the first scrape
      metricsUrls: [...stack.platforms.map((p) => `http://127.0.0.1:${p.env.HTTP_PORT}`), ...(gatewaysServe ? gatewayUrls : [])],
      gatewayMetrics: gatewaysServe,
      pointsStored
    }),
    stop: () => stack.stop()
  }
}
