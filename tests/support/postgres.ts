// A throwaway PostgreSQL 15 cluster on a free port in a temp dir (ENVIRONMENT.md's recipe):
// initdb and pg_ctl refuse to run as root, so they run as the `postgres` user through runuser;
// trust authentication, loopback only, fsync off. Several suites can share one cluster, each in
// a database of its own (createDatabase).
//
//   const pg = needsPostgres()
//   describe.skipIf(!pg.ok)('store on PostgreSQL', () => {
//     let server: PostgresServer
//     beforeAll(async () => { server = await startPostgres() })
//     afterAll(() => server?.stop())
//     it('…', async () => { const url = await server.createDatabase('inbox_test') … })
//   })
import { execFile, spawnSync } from 'node:child_process'
import { chownSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './free-port.ts'
import { looksLikePortInUse, makeTempDir, onProcessExit, ServerStartError } from './process.ts'
import { needs, type Requirement } from './requirements.ts'

const run = promisify(execFile)

export const POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin'
export const POSTGRES_DEBIAN_PACKAGE = 'postgresql'
const bin = (name: string): string => join(POSTGRES_BIN_DIR, name)

/** The test needs PostgreSQL 15's server binaries (skip or, on CI, fail). */
export function needsPostgres(name = 'PostgreSQL 15'): Requirement {
  return needs(name, bin('postgres'), POSTGRES_DEBIAN_PACKAGE)
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  readonly url: string
  readonly host: '127.0.0.1'
  readonly port: number
  /** The temp dir holding the cluster (`data/`), its log (`log`) and its Unix socket. */
  readonly dir: string
  /** Creates database `name` and returns its connection string. */
  createDatabase(name: string): Promise<string>
  /** Drops database `name` (if it exists), closing its connections. */
  dropDatabase(name: string): Promise<void>
  /** The last lines of the server log. */
  logTail(lines?: number): string
  /** Stops the server (fast shutdown: connections are closed) and keeps its data, to take it away mid-test. */
  pause(): Promise<void>
  /** Starts a paused server again on the same port and data; resolves once it accepts connections. */
  resume(): Promise<void>
  /** Stops the server (fast shutdown) and removes the temp dir. Idempotent. */
  stop(): Promise<void>
}

export interface StartPostgresOptions {
  /** How long initdb plus start may take (default 60000 ms). */
  timeoutMs?: number
  /** Extra server settings (`-c name=value`), e.g. `{ shared_preload_libraries: 'pg_stat_statements' }` for a benchmark. */
  settings?: Record<string, string>
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/

function tailOf(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

function asPostgres(args: readonly string[]): [string, string[]] {
  return ['runuser', ['-u', 'postgres', '--', ...args]]
}

function commandOutput(err: unknown): string {
  const e = err as { stdout?: string; stderr?: string; message?: string }
  return [e.message, e.stdout, e.stderr].filter(Boolean).join('\n')
}

async function startOnce(timeoutMs: number, settings: Record<string, string> = {}): Promise<PostgresServer> {
  const temp = makeTempDir('pg')
  const dir = temp.dir
  const dataDir = join(dir, 'data')
  const logFile = join(dir, 'log')
  chownSync(dir, uidOf('postgres'), gidOf('postgres'))
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)))

  try {
    await run(...asPostgres([bin('initdb'), '-D', dataDir, '-A', 'trust', '-U', 'postgres']), { timeout: timeoutMs })
  } catch (err) {
    temp.remove()
    throw new ServerStartError('PostgreSQL initdb failed', commandOutput(err))
  }

  const port = await freePort()
  const extra = Object.entries(settings).map(([k, v]) => ` -c ${k}=${v}`).join('')
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${extra}`
  const pgCtl = (action: string[]) =>
    asPostgres([bin('pg_ctl'), '-D', dataDir, ...action])

  // Until stop() runs, make sure an exiting test process takes the cluster with it.
  // `-m immediate` needs no checkpoint; SIGQUIT to the postmaster is the fallback.
  const unregister = onProcessExit(() => {
    const [cmd, args] = pgCtl(['-m', 'immediate', '-t', '5', '-w', 'stop'])
    const result = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 })
    if (result.status !== 0) {
      const pid = postmasterPid(dataDir)
      if (pid !== undefined) process.kill(pid, 'SIGQUIT')
    }
  })

  try {
    await run(...pgCtl(['-o', serverOptions, '-l', logFile, '-t', seconds, '-w', 'start']), { timeout: timeoutMs + 5000 })
  } catch (err) {
    unregister()
    const pid = postmasterPid(dataDir)
    if (pid !== undefined) process.kill(pid, 'SIGQUIT')
    const log = tailOf(logFile)
    temp.remove()
    throw new ServerStartError(`PostgreSQL did not start on port ${port}`, `${commandOutput(err)}\n${log}`)
  }

  const url = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`
  const psql = async (sql: string): Promise<void> => {
    try {
      await run(bin('psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], {
        timeout: 30_000
      })
    } catch (err) {
      throw new Error(`psql failed: ${sql}\n${commandOutput(err)}`)
    }
  }
  const checkName = (name: string): void => {
    if (!DATABASE_NAME.test(name)) throw new Error(`createDatabase: "${name}" is not a plain lower-case identifier`)
  }

  let stopped = false
  return {
    url: url('postgres'),
    host: '127.0.0.1',
    port,
    dir,
    async createDatabase(name) {
      checkName(name)
      await psql(`CREATE DATABASE "${name}"`)
      return url(name)
    },
    async dropDatabase(name) {
      checkName(name)
      await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    },
    logTail: (lines) => tailOf(logFile, lines),
    async pause() {
      await run(...pgCtl(['-m', 'fast', '-t', '30', '-w', 'stop']), { timeout: 40_000 })
    },
    async resume() {
      await run(...pgCtl(['-o', serverOptions, '-l', logFile, '-t', seconds, '-w', 'start']), { timeout: timeoutMs + 5000 })
    },
    async stop() {
      if (stopped) return
      stopped = true
      try {
        await run(...pgCtl(['-m', 'fast', '-t', '30', '-w', 'stop']), { timeout: 40_000 })
      } catch {
        const pid = postmasterPid(dataDir)
        if (pid !== undefined) process.kill(pid, 'SIGQUIT')
      }
      unregister()
      temp.remove()
    }
  }
}

/**
 * Starts a private PostgreSQL 15 cluster; resolves once it accepts connections. Retries on a new
 * port if another process took the chosen one first. Throws ServerStartError with the log tail.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const timeoutMs = options.timeoutMs ?? 60_000
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(timeoutMs, options.settings)
    } catch (err) {
      if (attempt >= 3 || !(err instanceof ServerStartError) || !looksLikePortInUse(err.logTail)) throw err
    }
  }
}

function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid')
  if (!existsSync(file)) return undefined
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10)
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

function idOf(flag: '-u' | '-g', user: string): number {
  const result = spawnSync('id', [flag, user], { encoding: 'utf8' })
  const id = Number.parseInt(result.stdout, 10)
  if (result.status !== 0 || !Number.isInteger(id)) {
    throw new Error(`user "${user}" not found (it comes with Debian's ${POSTGRES_DEBIAN_PACKAGE} package)`)
  }
  return id
}
const uidOf = (user: string): number => idOf('-u', user)
const gidOf = (user: string): number => idOf('-g', user)
