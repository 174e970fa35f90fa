// Shared machinery for the server helpers in this folder: spawning a server with its log kept in
// memory, waiting (bounded) until it is ready, and killing whatever is still alive when the test
// process exits. Tests do not import this directly; they use postgres.ts, influx.ts, redis.ts …
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** How many log lines of a server are kept for error messages. */
const LOG_LINES_KEPT = 200
/** How many of them an error message quotes. */
const LOG_LINES_QUOTED = 40

// ---------------------------------------------------------------------------------------------
// Cleanup when the test process exits.
//
// An 'exit' handler may only do synchronous work, so each hook is synchronous: SIGKILL a pid,
// spawnSync a stop command, rmSync a directory. Hooks run in reverse registration order, so a
// server is killed before the temp dir it lives in is removed.
// ---------------------------------------------------------------------------------------------

const exitHooks = new Set<() => void>()
let exitHandlerInstalled = false

function runExitHooks(): void {
  for (const hook of [...exitHooks].reverse()) {
    try {
      hook()
    } catch {
      // Best effort: the process is exiting and nobody is left to tell.
    }
  }
  exitHooks.clear()
}

/** Registers a synchronous hook run if the process exits first; returns its unregistration. */
export function onProcessExit(hook: () => void): () => void {
  if (!exitHandlerInstalled) {
    process.on('exit', runExitHooks)
    exitHandlerInstalled = true
  }
  exitHooks.add(hook)
  return () => {
    exitHooks.delete(hook)
  }
}

/** Creates a private temp dir (`/tmp/eldercare-<name>-XXXXXX`) that is removed on process exit. */
export function makeTempDir(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `eldercare-${name}-`))
  const remove = (): void => {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  }
  const unregister = onProcessExit(remove)
  return {
    dir,
    remove() {
      unregister()
      remove()
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A server process with its log tail.
// ---------------------------------------------------------------------------------------------

export interface ServerProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly pid: number
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** True once the process has exited. */
  hasExited(): boolean
  /** The last lines the process wrote to stdout and stderr. */
  logTail(lines?: number): string
  /** Sends `signal` (default SIGTERM), then SIGKILL after `graceMs` (default 5000); waits for exit. */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
}

export interface SpawnServerOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
}

// `setpriv --pdeathsig SIGKILL` (util-linux, on every Debian) makes the kernel kill the server
// when the process that spawned it dies, even by SIGKILL, when no 'exit' handler can run.
// setpriv execs the server, so the pid we hold is the server's own.
const SETPRIV = '/usr/bin/setpriv'
const useSetpriv = process.platform === 'linux' && existsSync(SETPRIV)

/** Spawns a long-running server; it is SIGKILLed if the test process exits while it runs. */
export function spawnServer(name: string, command: string, args: readonly string[], options: SpawnServerOptions = {}): ServerProcess {
  const [file, argv] = useSetpriv ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, [...args]]
  const child = spawn(file, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: string[] = []
  const keep = (chunk: Buffer | string): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue
      lines.push(line)
      if (lines.length > LOG_LINES_KEPT) lines.shift()
    }
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  let exitedFlag = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      keep(`[${name}] failed to spawn ${command}: ${err.message}`)
      exitedFlag = true
      resolve({ code: null, signal: null })
    })
    child.once('exit', (code, signal) => {
      exitedFlag = true
      resolve({ code, signal })
    })
  })

  const unregister = onProcessExit(() => {
    if (!exitedFlag && child.pid !== undefined) process.kill(child.pid, 'SIGKILL')
  })
  void exited.then(unregister)

  return {
    name,
    child,
    pid: child.pid ?? -1,
    exited,
    hasExited: () => exitedFlag,
    logTail: (n = LOG_LINES_QUOTED) => lines.slice(-n).join('\n'),
    async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000) {
      if (exitedFlag) return
      child.kill(signal)
      const timer = setTimeout(() => {
        if (!exitedFlag) child.kill('SIGKILL')
      }, graceMs)
      await exited
      clearTimeout(timer)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Waiting until ready.
// ---------------------------------------------------------------------------------------------

export class ServerStartError extends Error {
  readonly code = 'TEST_ERR_SERVER_START'
  constructor(
    message: string,
    readonly logTail: string
  ) {
    super(`${message}\n--- last log lines ---\n${logTail || '(no output)'}\n--- end of log ---`)
    this.name = 'ServerStartError'
  }
}

export interface WaitOptions {
  /** Gives up after this long (default 20000 ms). */
  timeoutMs?: number
  /** Pause between probes (default 50 ms). */
  intervalMs?: number
  /** Fail at once, instead of at the timeout, when this process exits. */
  process?: ServerProcess
  /** Where the log tail for the error comes from (default: the process's own output). */
  logTail?: () => string
}

/**
 * Polls `probe` until it returns true. Throws a ServerStartError quoting the server's log tail
 * if the deadline passes or the server process exits first. A probe that throws counts as "not
 * yet"; its last error is quoted too.
 */
export async function waitUntilReady(name: string, probe: () => Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 20_000
  const intervalMs = options.intervalMs ?? 50
  const proc = options.process
  const tail = options.logTail ?? (() => proc?.logTail() ?? '')
  const deadline = Date.now() + timeoutMs
  let lastError = ''
  for (;;) {
    if (proc?.hasExited()) {
      const { code, signal } = await proc.exited
      throw new ServerStartError(`${name} exited before it was ready (code ${code}, signal ${signal})`, tail())
    }
    try {
      if (await probe()) return
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err)
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last probe error: ${lastError})` : ''
      throw new ServerStartError(`${name} was not ready within ${timeoutMs} ms${why}`, tail())
    }
    await sleep(intervalMs)
  }
}

/** True when something accepts a TCP connection on host:port within `timeoutMs`. */
export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Whether a failed start looks like a lost race for the port (worth retrying on another one). */
export function looksLikePortInUse(text: string): boolean {
  return /address already in use|EADDRINUSE|could not bind|bind: address/i.test(text)
}
