/**
 * What every `device-sim` command shares: the shape of a command in the dispatch table
 * (commands/index.ts), the I/O it is given, and the flag readers that validate input at the
 * boundary (SIM_ERR_ARGS, exit 2).
 */
import { existsSync } from 'node:fs'
import type { ParseArgsConfig } from 'node:util'
import { loadCredentials } from '../credentials.ts'
import { SimError } from '../errors.ts'

export interface CliIo {
  out: NodeJS.WritableStream
  err: NodeJS.WriteStream
  env: NodeJS.ProcessEnv
  /** resolves on Ctrl-C (SIGINT/SIGTERM); tests pass a promise of their own */
  interrupted: Promise<void>
}

export type Flags = Record<string, string | boolean | string[] | undefined>

/** One command: its flags (node:util parseArgs), its help text, and what it does. */
export interface Command {
  /** the help text `device-sim <command> --help` prints */
  help: string
  options: NonNullable<ParseArgsConfig['options']>
  /** takes exactly one FILE positional (scenario, replay); the others take none */
  takesFile: boolean
  /** exit code: 0 success, 1 failure while running; throws SimError for bad input */
  run: (flags: Flags, file: string | undefined, io: CliIo) => Promise<number>
}

/** Flags every command understands. */
export const COMMON_OPTIONS = {
  credentials: { type: 'string', short: 'c' },
  mqtt: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

export const argError = (message: string) => new SimError('SIM_ERR_ARGS', message)

/** "30s", "5m", "8h", "1500ms" or a number of seconds → ms. */
export function parseDuration (flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim())
  if (!m) throw argError(`--${flag}: "${raw}" is not a duration (e.g. 30s, 5m, 8h)`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms']
  return Number(m[1]) * unit
}

export function num (flags: Flags, name: string, def: number, opts: { integer?: boolean, min?: number, max?: number } = {}): number {
  const raw = flags[name]
  if (raw === undefined) return def
  const v = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) throw argError(`--${name}: "${String(raw)}" is not a number`)
  if (opts.integer && !Number.isInteger(v)) throw argError(`--${name}: "${raw}" is not a whole number`)
  if (opts.min !== undefined && v < opts.min) throw argError(`--${name}: must be at least ${opts.min}, got ${v}`)
  if (opts.max !== undefined && v > opts.max) throw argError(`--${name}: must be at most ${opts.max}, got ${v}`)
  return v
}

export const str = (flags: Flags, name: string): string | undefined => flags[name] as string | undefined

export function url (flag: string, raw: string, protocols: RegExp): string {
  try {
    const u = new URL(raw)
    if (!protocols.test(u.protocol)) throw new Error()
  } catch { throw argError(`--${flag}: "${raw}" is not a ${protocols.source.replace(/[\^$():]/g, '')} URL`) }
  return raw
}

/** URL schemes a broker URL may use. */
export const MQTT_URL = /^(mqtts?|wss?|tcp):$/

export const credentialsPath = (flags: Flags) => str(flags, 'credentials') ?? 'device-sim.credentials.json'

export function readCreds (flags: Flags) {
  const file = credentialsPath(flags)
  if (!existsSync(file)) throw new SimError('SIM_ERR_CREDENTIALS', `${file}: no such file (run "device-sim provision" first, or pass -c FILE)`)
  const creds = loadCredentials(file)
  const mqtt = str(flags, 'mqtt')
  if (mqtt) creds.mqttUrl = url('mqtt', mqtt, MQTT_URL)
  return creds
}

export function admin (flags: Flags, env: NodeJS.ProcessEnv): { username: string, password: string } {
  const username = str(flags, 'username') ?? env.DEVICE_SIM_USERNAME ?? env.ADMIN_USERNAME ?? 'admin'
  const password = str(flags, 'password') ?? env.DEVICE_SIM_PASSWORD ?? env.ADMIN_PASSWORD
  if (!password) throw argError('a password is needed: --password, or DEVICE_SIM_PASSWORD in the environment')
  return { username, password }
}

/** Resolves after `ms`, or on interruption. */
export const timeOrInterrupt = (ms: number | null, io: CliIo) =>
  Promise.race([io.interrupted, ...(ms === null ? [] : [new Promise<void>((r) => setTimeout(r, ms))])])
