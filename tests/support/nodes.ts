// The scaled stack's nodes as real processes, for tests that kill one (`kill -9`) and watch the
// rest carry on: a standalone gateway (gateway/src/main.ts) and a platform node
// (platform/src/main.ts), each on free ports, found from its "listening" log line. Pair them
// with startPostgres(), startRedis(), startInflux() and startHaproxy() (deploy/haproxy.cfg).
//
//   const gw = await startGatewayNode({ DATABASE_URL, REDIS_URL, MQTT_PROXY_PROTOCOL: 'on' })
//   await gw.process.kill('SIGKILL')
//
// By default a node runs the TypeScript sources through tsx (no build needed). `compiled: true`
// runs dist/ as the image does; it needs `npm run build:packages` first (CI runs `npm run build`).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { canConnect, makeTempDir, spawnServer, waitUntilReady, type ServerProcess } from './process.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The options `npm start` and the image give node before the entry point (scripts/node-flags.json,
 * docs/deployment.md "The runtime's flags"; scripts/start.mjs checks the file's form), so that a
 * node started here runs as it would deployed. A checkout from before the file (bench:alarms
 * --root) runs without any, as its own start did.
 */
export function runtimeNodeFlags (root: string = ROOT): string[] {
  const file = join(root, 'scripts/node-flags.json')
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as string[] : []
}

export interface NodeProcess {
  readonly name: string
  readonly process: ServerProcess
  /** The ports from its "listening" line. */
  readonly ports: { http: number | null, mqtt: number, mqttWs: number | null }
  /** Its log lines (pino JSON) so far. */
  logTail(lines?: number): string
  /** SIGTERM (a clean stop), or `'SIGKILL'` for a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

export interface NodeOptions {
  /** Run dist/*.js under the @eldercare/compiled condition instead of src/*.ts through tsx. */
  compiled?: boolean
  /** How long to wait for "listening" (default 120 s: migrations on a loaded machine). */
  timeoutMs?: number
  /** The checkout to run (default: this one), to compare two versions under one load (bench:alarms --root). */
  root?: string
}

async function startNode (name: string, part: 'gateway' | 'platform', env: Record<string, string>, opts: NodeOptions): Promise<NodeProcess> {
  const root = opts.root ?? ROOT
  const args = [...runtimeNodeFlags(root), ...(opts.compiled
    ? ['--conditions=@eldercare/compiled', join(root, part, 'dist/main.js')]
    : ['--import', 'tsx', join(root, part, 'src/main.ts')])]
  const data = makeTempDir(`${name}-data`)
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    HTTP_PORT: '0',
    DATA_DIR: data.dir,
    DEMO: 'off',
    LOG_LEVEL: 'info',
    ...env
  }
  const proc = spawnServer(name, process.execPath, args, { cwd: root, env: childEnv })
  let ports: NodeProcess['ports'] | null = null
  // Below LOG_LEVEL=info (a benchmark's nodes) there is no "listening" line: a node given its
  // ports is ready once its main port accepts connections (it listens after its start-up work).
  const given = { http: Number(childEnv.HTTP_PORT), mqtt: Number(childEnv.MQTT_PORT), mqttWs: Number(childEnv.MQTT_WS_PORT) }
  const quiet = childEnv.LOG_LEVEL !== 'info' && childEnv.LOG_LEVEL !== 'debug' && childEnv.LOG_LEVEL !== 'trace'
  await waitUntilReady(name, async () => {
    for (const line of proc.logTail(200).split('\n')) {
      if (!line.includes('"msg":"listening"')) continue
      const l = JSON.parse(line) as { http?: number, mqtt: number, mqttWs?: number | null }
      ports = { http: l.http ?? null, mqtt: l.mqtt, mqttWs: l.mqttWs ?? null }
      return true
    }
    const main = part === 'platform' ? given.http : given.mqtt
    if (!quiet || !(main > 0) || !(await canConnect(main))) return false
    ports = { http: part === 'platform' ? given.http : null, mqtt: given.mqtt, mqttWs: given.mqttWs > 0 ? given.mqttWs : null }
    return true
  }, { process: proc, timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 100 })
  return {
    name,
    process: proc,
    ports: ports!,
    logTail: (n?: number) => proc.logTail(n),
    async stop (signal: NodeJS.Signals = 'SIGTERM') {
      await proc.kill(signal, 10_000)
      data.remove()
    }
  }
}

/** A standalone gateway: `DATABASE_URL` and `REDIS_URL` required, the platform's migrations run. */
export function startGatewayNode (env: Record<string, string>, opts: NodeOptions & { name?: string } = {}): Promise<NodeProcess> {
  return startNode(opts.name ?? 'gateway', 'gateway', env, opts)
}

/** A platform node (with its own broker); the first one on an empty database migrates it. */
export function startPlatformNode (env: Record<string, string>, opts: NodeOptions & { name?: string } = {}): Promise<NodeProcess> {
  return startNode(opts.name ?? 'platform', 'platform', env, opts)
}
