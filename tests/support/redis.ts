// A private Redis (Debian's `redis-server`, 7.0) on a free loopback port: no persistence, working
// dir in a temp dir, log on stdout (kept for error messages).
//
//   const redis = needsRedis()
//   describe.skipIf(!redis.ok)('brokers joined through Redis', () => {
//     let server: RedisServer
//     beforeAll(async () => { server = await startRedis() })
//     afterAll(() => server?.stop())
//   })
import { connect } from 'node:net'
import { freePort } from './free-port.ts'
import { looksLikePortInUse, makeTempDir, ServerStartError, spawnServer, waitUntilReady, type ServerProcess } from './process.ts'
import { needs, type Requirement } from './requirements.ts'

export const REDIS_BIN = '/usr/bin/redis-server'
export const REDIS_DEBIAN_PACKAGE = 'redis-server'

/** The test needs Redis (skip or, on CI, fail). */
export function needsRedis(name = 'Redis'): Requirement {
  return needs(name, REDIS_BIN, REDIS_DEBIAN_PACKAGE)
}

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string
  readonly host: '127.0.0.1'
  readonly port: number
  readonly dir: string
  logTail(lines?: number): string
  /** Takes the server away (SIGKILL: a crash; its data survives only when `persistent`) but keeps its port and dir for resume(). */
  halt(): Promise<void>
  /** Starts the server again on the same port; resolves when it answers PING. */
  resume(): Promise<void>
  /** Kills the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>
}

export interface StartRedisOptions {
  /** How long the start may take until PING answers PONG (default 20000 ms). */
  timeoutMs?: number
  /** Keep data across halt()/resume() in an append-only file fsynced on every write, as production runs Redis (docker-compose.yml). Default false. */
  persistent?: boolean
}

/**
 * Sends one command over a raw TCP socket in RESP and returns the first reply line
 * (`+PONG`, `$5`, `-ERR …`). Enough for readiness checks and smoke tests; not a client.
 */
export function respCommand(port: number, args: readonly string[], timeoutMs = 2000, host = '127.0.0.1'): Promise<string> {
  const request = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host })
    let received = ''
    socket.setTimeout(timeoutMs, () => {
      socket.destroy()
      reject(new Error(`redis ${host}:${port}: no reply to ${args[0]} within ${timeoutMs} ms`))
    })
    socket.once('error', reject)
    socket.once('connect', () => socket.write(request))
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8')
      const end = received.indexOf('\r\n')
      if (end >= 0) {
        socket.destroy()
        resolve(received.slice(0, end))
      }
    })
  })
}

async function startOnce(timeoutMs: number, persistent = false): Promise<RedisServer> {
  const temp = makeTempDir('redis')
  const port = await freePort()
  const launch = async (): Promise<ServerProcess> => {
    const started = spawnServer(
      'redis-server',
      REDIS_BIN,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']), '--daemonize', 'no', '--dir', temp.dir, '--logfile', ''],
      { cwd: temp.dir }
    )
    try {
      await waitUntilReady(`Redis on port ${port}`, async () => (await respCommand(port, ['PING'], 1000)) === '+PONG', {
        timeoutMs,
        process: started
      })
    } catch (err) {
      await started.kill('SIGKILL')
      throw err
    }
    return started
  }
  let proc: ServerProcess
  try {
    proc = await launch()
  } catch (err) {
    temp.remove()
    throw err
  }
  let stopped = false
  return {
    url: `redis://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    dir: temp.dir,
    logTail: (lines) => proc.logTail(lines),
    async halt() {
      await proc.kill('SIGKILL')
    },
    async resume() {
      if (stopped) throw new Error('redis: resume() after stop()')
      if (!proc.hasExited()) return
      proc = await launch()
    },
    async stop() {
      if (stopped) return
      stopped = true
      await proc.kill('SIGTERM', 5000)
      temp.remove()
    }
  }
}

/** Starts a private Redis; resolves when it answers PING. Throws ServerStartError with its log. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const timeoutMs = options.timeoutMs ?? 20_000
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(timeoutMs, options.persistent)
    } catch (err) {
      if (attempt >= 3 || !(err instanceof ServerStartError) || !looksLikePortInUse(err.logTail)) throw err
    }
  }
}
