// A private InfluxDB 1.x (Debian's `influxdb`, 1.6) on free ports in a temp dir. As in
// ENVIRONMENT.md, the config is `influxd config` with the data paths moved into the temp dir and
// the HTTP and RPC listeners moved to free loopback ports; on top of that every other listener is
// switched off, usage reporting is off and self-monitoring (`_internal`) is off.
//
// The server can be stopped and started again on the same port and data dir, for tests that
// take the store away mid-stream:
//
//   const influx = needsInflux()
//   describe.skipIf(!influx.ok)('vitals on InfluxDB', () => {
//     let server: InfluxServer
//     beforeAll(async () => { server = await startInflux() })
//     afterAll(() => server?.dispose())
//     it('…', async () => { await server.stop(); …; await server.start() })
//   })
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePorts } from './free-port.ts'
import { looksLikePortInUse, makeTempDir, ServerStartError, spawnServer, waitUntilReady, type ServerProcess } from './process.ts'
import { needs, type Requirement } from './requirements.ts'

const run = promisify(execFile)

export const INFLUXD_BIN = '/usr/bin/influxd'
export const INFLUX_DEBIAN_PACKAGE = 'influxdb'

/** The test needs InfluxDB 1.x (skip or, on CI, fail). */
export function needsInflux(name = 'InfluxDB 1.x'): Requirement {
  return needs(name, INFLUXD_BIN, INFLUX_DEBIAN_PACKAGE)
}

export interface InfluxServer {
  /** `http://127.0.0.1:PORT` — the 1.x HTTP API (`/ping`, `/write`, `/query`). */
  readonly url: string
  readonly host: '127.0.0.1'
  /** HTTP port; stays the same across stop()/start(). */
  readonly port: number
  /** RPC (backup/restore) port, loopback only. */
  readonly rpcPort: number
  /** Temp dir with `influx.conf`, `meta/`, `data/`, `wal/`; kept across stop()/start(). */
  readonly dir: string
  /** Whether the server process is running. */
  readonly running: boolean
  /** Creates database `name` (no-op if it exists); returns `http://127.0.0.1:PORT/name`. */
  createDatabase(name: string): Promise<string>
  /** Starts the server again on the same port and data dir; resolves when /ping answers 204. */
  start(): Promise<void>
  /** Stops the process (SIGTERM, or `signal`, e.g. SIGKILL to simulate a crash); keeps the data. */
  stop(options?: { signal?: NodeJS.Signals }): Promise<void>
  /** Stops the process and removes the temp dir. Idempotent. */
  dispose(): Promise<void>
  /** The last lines the server logged (current or last run). */
  logTail(lines?: number): string
}

export interface StartInfluxOptions {
  /** How long a start may take until /ping answers (default 30000 ms). */
  timeoutMs?: number
}

/**
 * Rewrites the output of `influxd config` for a private instance: section-aware, so it works
 * whatever defaults /etc/influxdb/influxdb.conf holds. Throws if a listener would still bind a
 * port other than ours.
 */
export function privateInfluxConfig(defaults: string, dir: string, httpPort: number, rpcPort: number): string {
  const lines = defaults.split('\n')
  // First pass: which sections have a listener of their own.
  const listenerSections = new Set<string>()
  let section = ''
  for (const line of lines) {
    const header = /^\s*\[\[?([\w-]+)\]\]?\s*$/.exec(line)
    if (header) section = header[1] ?? ''
    else if (/^\s*bind-address\s*=/.test(line) && section !== '' && section !== 'http') listenerSections.add(section)
  }

  section = ''
  const out = lines.map((line) => {
    const header = /^\s*\[\[?([\w-]+)\]\]?\s*$/.exec(line)
    if (header) {
      section = header[1] ?? ''
      return line
    }
    const kv = /^(\s*)([\w-]+)(\s*=\s*)(.*)$/.exec(line)
    if (!kv) return line
    const [, indent = '', key = '', eq = ' = '] = kv
    const set = (value: string): string => `${indent}${key}${eq}${value}`
    if (section === '') {
      if (key === 'bind-address') return set(`"127.0.0.1:${rpcPort}"`)
      // Upstream 1.x calls it reporting-disabled; Debian's build ships reporting-enabled.
      if (key === 'reporting-disabled') return set('true')
      if (key === 'reporting-enabled') return set('false')
    }
    if (section === 'http') {
      if (key === 'bind-address') return set(`"127.0.0.1:${httpPort}"`)
      if (key === 'bind-socket') return set(`"${join(dir, 'influxdb.sock')}"`)
      if (key === 'unix-socket-enabled') return set('false')
    }
    if (section === 'monitor' && key === 'store-enabled') return set('false')
    if (section === 'logging' && key === 'suppress-logo') return set('true')
    if (listenerSections.has(section) && key === 'enabled') return set('false')
    return line
  })
  const config = out.join('\n').replaceAll('/var/lib/influxdb', dir)

  if (!config.includes(`"127.0.0.1:${httpPort}"`) || !config.includes(`"127.0.0.1:${rpcPort}"`)) {
    throw new Error(`influx: could not move the HTTP/RPC listeners in this config:\n${defaults}`)
  }
  return config
}

async function defaultConfig(): Promise<string> {
  try {
    const { stdout } = await run(INFLUXD_BIN, ['config'], { timeout: 15_000, env: cleanEnv() })
    return stdout
  } catch (err) {
    throw new ServerStartError('`influxd config` failed', String((err as { stderr?: string }).stderr ?? err))
  }
}

// INFLUXDB_* variables override the config file; a developer's shell must not move our ports.
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('INFLUXDB_')))
}

async function ping(port: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${port}/ping`, { signal: AbortSignal.timeout(1000) })
  await response.arrayBuffer()
  return response.status === 204
}

async function startOnce(timeoutMs: number): Promise<InfluxServer> {
  const temp = makeTempDir('influx')
  const dir = temp.dir
  const [httpPort = 0, rpcPort = 0] = await freePorts(2)
  const configFile = join(dir, 'influx.conf')
  writeFileSync(configFile, privateInfluxConfig(await defaultConfig(), dir, httpPort, rpcPort))

  let proc: ServerProcess | undefined
  let lastLog = ''
  let disposed = false

  const start = async (): Promise<void> => {
    if (disposed) throw new Error('influx: start() after dispose()')
    if (proc && !proc.hasExited()) return
    const current = spawnServer('influxd', INFLUXD_BIN, ['-config', configFile], { cwd: dir, env: cleanEnv() })
    proc = current
    try {
      await waitUntilReady(`InfluxDB on port ${httpPort}`, () => ping(httpPort), { timeoutMs, process: current })
    } catch (err) {
      await current.kill('SIGKILL')
      lastLog = current.logTail()
      throw err
    }
  }
  const stop = async (options: { signal?: NodeJS.Signals } = {}): Promise<void> => {
    if (!proc) return
    await proc.kill(options.signal ?? 'SIGTERM', 10_000)
    lastLog = proc.logTail()
  }

  try {
    await start()
  } catch (err) {
    temp.remove()
    throw err
  }

  return {
    url: `http://127.0.0.1:${httpPort}`,
    host: '127.0.0.1',
    port: httpPort,
    rpcPort,
    dir,
    get running() {
      return proc !== undefined && !proc.hasExited()
    },
    async createDatabase(name) {
      const body = new URLSearchParams({ q: `CREATE DATABASE "${name.replaceAll('"', '\\"')}"` })
      const response = await fetch(`http://127.0.0.1:${httpPort}/query`, { method: 'POST', body })
      const text = await response.text()
      if (!response.ok || text.includes('"error"')) throw new Error(`influx: CREATE DATABASE ${name} failed: ${response.status} ${text}`)
      return `http://127.0.0.1:${httpPort}/${encodeURIComponent(name)}`
    },
    start,
    stop,
    async dispose() {
      if (disposed) return
      disposed = true
      await stop({ signal: 'SIGKILL' })
      temp.remove()
    },
    logTail: (lines) => (proc && !proc.hasExited() ? proc.logTail(lines) : lastLog.split('\n').slice(-(lines ?? 40)).join('\n'))
  }
}

/**
 * Starts a private InfluxDB; resolves once GET /ping answers 204. Retries on new ports if another
 * process took the chosen ones first. Throws ServerStartError with the server's log tail.
 */
export async function startInflux(options: StartInfluxOptions = {}): Promise<InfluxServer> {
  const timeoutMs = options.timeoutMs ?? 30_000
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(timeoutMs)
    } catch (err) {
      if (attempt >= 3 || !(err instanceof ServerStartError) || !looksLikePortInUse(err.logTail)) throw err
    }
  }
}
