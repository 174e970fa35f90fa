// A private Mosquitto 2 broker (Debian's `mosquitto`) on a free loopback port, plus the Debian
// command-line clients as an independent MQTT peer: what they publish and receive is what any
// standard MQTT implementation would, not what our own code believes.
//
// Mosquitto 2 refuses anonymous clients as soon as a `listener` is configured, hence
// `allow_anonymous true` in the generated config.
//
//   const mqtt = needsMosquitto()
//   describe.skipIf(!mqtt.ok)('…', () => {
//     let broker: MosquittoServer
//     beforeAll(async () => { broker = await startMosquitto() })
//     afterAll(() => broker?.stop())
//     it('…', async () => {
//       const sub = mosquittoSub(['-p', String(broker.port), '-t', 'a/b', '-C', '1'])
//       await sub.subscribed
//       await mosquittoPub(['-p', String(broker.port), '-t', 'a/b', '-m', 'hi'])
//       expect((await sub).messages).toEqual(['hi'])
//     })
//   })
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from './free-port.ts'
import { canConnect, looksLikePortInUse, makeTempDir, onProcessExit, ServerStartError, spawnServer, waitUntilReady } from './process.ts'
import { needs, needsAll, type Requirement } from './requirements.ts'

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto'
export const MOSQUITTO_PUB_BIN = '/usr/bin/mosquitto_pub'
export const MOSQUITTO_SUB_BIN = '/usr/bin/mosquitto_sub'
const STDBUF_BIN = '/usr/bin/stdbuf'

/** The test needs the Mosquitto broker (skip or, on CI, fail). */
export function needsMosquitto(name = 'Mosquitto broker'): Requirement {
  return needs(name, MOSQUITTO_BIN, 'mosquitto')
}

/** The test needs mosquitto_pub and mosquitto_sub (skip or, on CI, fail). */
export function needsMosquittoClients(name = 'Mosquitto clients'): Requirement {
  return needsAll(name, [
    [MOSQUITTO_PUB_BIN, 'mosquitto-clients'],
    [MOSQUITTO_SUB_BIN, 'mosquitto-clients']
  ])
}

export interface MosquittoServer {
  /** `mqtt://127.0.0.1:PORT` */
  readonly url: string
  readonly host: '127.0.0.1'
  readonly port: number
  readonly dir: string
  /** the broker's process id (bench:alarms reads its CPU from /proc) */
  readonly pid: number
  logTail(lines?: number): string
  /** mosquittoPub with `-h 127.0.0.1 -p PORT` put in front of `args`. */
  pub(args: readonly string[], options?: CliOptions): Promise<CliResult>
  /** mosquittoSub with `-h 127.0.0.1 -p PORT` put in front of `args`. */
  sub(args: readonly string[], options?: CliOptions): MosquittoSubscription
  /** Kills the broker and removes its temp dir. Idempotent. */
  stop(): Promise<void>
}

export interface StartMosquittoOptions {
  /** How long the start may take until the port accepts connections (default 20000 ms). */
  timeoutMs?: number
  /** Extra lines for mosquitto.conf (e.g. `max_inflight_messages 100`). */
  extraConfig?: readonly string[]
}

async function startOnce(options: StartMosquittoOptions): Promise<MosquittoServer> {
  const temp = makeTempDir('mosquitto')
  const port = await freePort()
  const configFile = join(temp.dir, 'mosquitto.conf')
  writeFileSync(
    configFile,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      ...(options.extraConfig ?? []),
      ''
    ].join('\n')
  )
  const proc = spawnServer('mosquitto', MOSQUITTO_BIN, ['-c', configFile], { cwd: temp.dir })
  try {
    await waitUntilReady(`Mosquitto on port ${port}`, () => canConnect(port), { timeoutMs: options.timeoutMs ?? 20_000, process: proc })
  } catch (err) {
    await proc.kill('SIGKILL')
    temp.remove()
    throw err
  }
  const prefix = ['-h', '127.0.0.1', '-p', String(port)]
  let stopped = false
  return {
    url: `mqtt://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    dir: temp.dir,
    pid: proc.pid,
    logTail: (lines) => proc.logTail(lines),
    pub: (args, cliOptions) => mosquittoPub([...prefix, ...args], cliOptions),
    sub: (args, cliOptions) => mosquittoSub([...prefix, ...args], cliOptions),
    async stop() {
      if (stopped) return
      stopped = true
      await proc.kill('SIGTERM', 5000)
      temp.remove()
    }
  }
}

/** Starts a private broker; resolves when its port accepts connections. */
export async function startMosquitto(options: StartMosquittoOptions = {}): Promise<MosquittoServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options)
    } catch (err) {
      if (attempt >= 3 || !(err instanceof ServerStartError) || !looksLikePortInUse(err.logTail)) throw err
    }
  }
}

// ---------------------------------------------------------------------------------------------
// mosquitto_pub / mosquitto_sub
// ---------------------------------------------------------------------------------------------

export interface CliOptions {
  /**
   * Kill the client after this long; the result then has timedOut: true. Default 10000 ms, or
   * for mosquitto_sub with `-W secs`, secs + 5 s.
   */
  timeoutMs?: number
  /** Written to the client's stdin (for `mosquitto_pub -s` / `-l`). */
  input?: string
}

export interface CliResult {
  /** Exit code, null when killed by a signal (e.g. on timeout) or not spawned. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly timedOut: boolean
  readonly stdout: string
  readonly stderr: string
}

function runCli(
  file: string,
  args: readonly string[],
  options: CliOptions,
  onStdout?: (chunk: string) => void
): { result: Promise<CliResult>; kill(): void } {
  const timeoutMs = options.timeoutMs ?? 10_000
  const child = spawn(file, [...args], { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
  const unregister = onProcessExit(() => child.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  let timedOut = false
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    onStdout?.(chunk)
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  if (options.input !== undefined) child.stdin?.end(options.input)
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, timeoutMs)
  const result = new Promise<CliResult>((resolve) => {
    child.once('error', (err) => {
      clearTimeout(timer)
      unregister()
      resolve({ code: null, signal: null, timedOut, stdout, stderr: `${stderr}${file}: ${err.message}\n` })
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      unregister()
      resolve({ code, signal, timedOut, stdout, stderr })
    })
  })
  return { result, kill: () => child.kill('SIGTERM') }
}

/** Runs Debian's mosquitto_pub with `args`; resolves when it exits or is killed at the timeout. */
export function mosquittoPub(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runCli(MOSQUITTO_PUB_BIN, args, options).result
}

export interface SubResult extends CliResult {
  /** Output lines, one per message (`topic payload` with -v), debug lines removed. */
  readonly messages: string[]
}

/** A running mosquitto_sub: await it for the result; `subscribed` tells when SUBACK came. */
export interface MosquittoSubscription extends Promise<SubResult> {
  /** Resolves when the broker acknowledged the subscription; rejects if the client exits first. */
  readonly subscribed: Promise<void>
  /** Messages received so far. */
  readonly messages: readonly string[]
  /** Ends the client (use when running without -C/-W). */
  kill(): void
}

// The lines `-d` adds; we add -d ourselves to see the SUBACK, then remove them from the output.
const DEBUG_LINE = /^(Client \S+ (sending|received) [A-Z]+\b.*|Subscribed \(mid: \d+\):.*)$/

/**
 * Runs Debian's mosquitto_sub with `args` (pass `-C n` and/or `-W secs` so it ends by itself,
 * or call kill()). Publish only after `await sub.subscribed`, or the message may come too early.
 */
export function mosquittoSub(args: readonly string[], options: CliOptions = {}): MosquittoSubscription {
  const addedDebug = !args.includes('-d') && !args.includes('--debug')
  const messages: string[] = []
  let partial = ''
  let resolveSubscribed: () => void = () => undefined
  let rejectSubscribed: (err: Error) => void = () => undefined
  let isSubscribed = false
  const subscribed = new Promise<void>((resolve, reject) => {
    resolveSubscribed = resolve
    rejectSubscribed = reject
  })
  // Marks the promise handled: a caller that never awaits it must not get an unhandled rejection.
  subscribed.catch(() => undefined)

  const onStdout = (chunk: string): void => {
    partial += chunk
    const lines = partial.split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (DEBUG_LINE.test(line)) {
        if (/^Client \S+ received SUBACK/.test(line)) {
          isSubscribed = true
          resolveSubscribed()
        }
        if (addedDebug) continue
      }
      messages.push(line)
    }
  }
  // mosquitto_sub block-buffers stdout into a pipe; stdbuf (coreutils) makes it line-buffered so
  // the SUBACK and each message arrive as they happen.
  const argv = addedDebug ? ['-d', ...args] : [...args]
  // With `-W secs` the client ends itself; our kill comes 5 s later so its exit code survives.
  const waitFlag = args.indexOf('-W')
  const waitSecs = waitFlag >= 0 ? Number(args[waitFlag + 1]) : Number.NaN
  if (options.timeoutMs === undefined && Number.isFinite(waitSecs)) options = { ...options, timeoutMs: waitSecs * 1000 + 5000 }
  const cli = existsSync(STDBUF_BIN)
    ? runCli(STDBUF_BIN, ['-oL', MOSQUITTO_SUB_BIN, ...argv], options, onStdout)
    : runCli(MOSQUITTO_SUB_BIN, argv, options, onStdout)
  const result = cli.result.then((r): SubResult => {
    if (partial !== '') messages.push(partial)
    if (!isSubscribed) rejectSubscribed(new Error(`mosquitto_sub exited before subscribing (code ${r.code}): ${r.stderr.trim()}`))
    const stdout = addedDebug ? messages.map((m) => `${m}\n`).join('') : r.stdout
    return { ...r, stdout, messages: [...messages] }
  })
  return Object.assign(result, { subscribed, messages, kill: cli.kill })
}
