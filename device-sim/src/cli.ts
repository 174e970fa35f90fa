/**
 * `device-sim <command> …` — the command line (docs/device-sim.md). Flags are parsed with
 * node:util parseArgs and validated here, at the boundary; every command exits 0 on success,
 * 1 on a failure while running, 2 on bad input (flags, files).
 */
import { parseArgs } from 'node:util'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { loadCredentials, writeCredentials } from './credentials.ts'
import { SimError } from './errors.ts'
import { load, loadTable } from './load.ts'
import { Progress, Stats } from './progress.ts'
import { PROVISION_DEFAULTS, provision } from './provision.ts'
import { record } from './record.ts'
import { readRecording } from './recording.ts'
import { replay } from './replay.ts'
import { run } from './run.ts'
import { loadScenario, runScenario } from './scenario.ts'
import { RUN_DEFAULTS, type RunRates } from './site-player.ts'

export interface CliIo {
  out: NodeJS.WritableStream
  err: NodeJS.WriteStream
  env: NodeJS.ProcessEnv
  /** resolves on Ctrl-C (SIGINT/SIGTERM); tests pass a promise of their own */
  interrupted: Promise<void>
}

const USAGE = `usage: device-sim <command> [flags]

commands:
  provision   register a generated region through the REST API; write the credentials file
  run         play the homes and facilities of a credentials file
  scenario F  play a scripted timeline (YAML or JSON) deterministically
  record      record device messages as an MQTT observer into an NDJSON file
  replay F    re-publish a recording, timing scaled by --speed
  load        N devices at fixed rates; measures alarm latency to incident:opened

common flags:
  -c, --credentials FILE   credentials file (default device-sim.credentials.json)
      --mqtt URL           broker URL (default: the one in the credentials file)
      --json               print the result as JSON
  -h, --help               this text; "device-sim <command> --help" for a command's flags

docs/device-sim.md has examples and the file formats.`

const HELP: Record<string, string> = {
  provision: `device-sim provision [--http URL] [--mqtt URL] [--username U] [--password P]
  [--homes 10] [--facilities 1] [--residents-per-facility 6] [--homes-per-community 50]
  [--prefix sim] [--seed 1] [--observer NAME] [-c FILE]
admin credentials: --username/--password, or DEVICE_SIM_USERNAME/DEVICE_SIM_PASSWORD (or ADMIN_USERNAME/ADMIN_PASSWORD)`,
  run: `device-sim run [-c FILE] [--speed 1] [--start HH:MM] [--duration 8h] [--seed 1] [--sites N]
  [--falls-per-day ${RUN_DEFAULTS.fallsPerDay}] [--sos-per-day ${RUN_DEFAULTS.sosPerDay}] [--cancel-ratio ${RUN_DEFAULTS.cancelRatio}]
  [--calls-per-day ${RUN_DEFAULTS.callsPerDay}] [--bed-exits-per-night ${RUN_DEFAULTS.bedExitsPerNight}] [--drops-per-day ${RUN_DEFAULTS.dropsPerDay}]
  [--deteriorations-per-day ${RUN_DEFAULTS.deteriorationsPerDay}] [--hazards-per-day ${RUN_DEFAULTS.hazardsPerDay}]
  [--telemetry-interval ${RUN_DEFAULTS.telemetryIntervalS}s]   (simulated time; --duration too)`,
  scenario: 'device-sim scenario FILE [-c FILE] [--speed N] [--seed N] [--run-id ID] [--trace OUT.ndjson] [--json]',
  record: 'device-sim record --out FILE [-c FILE | --observer observer:NAME --secret S (or DEVICE_SIM_OBSERVER_SECRET)] [--mqtt URL] [--duration 10m] [--count N] [--topic FILTER]…',
  replay: 'device-sim replay FILE [-c FILE] [--from OLD-CREDENTIALS] [--speed 1|10|max] [--keep-ts] [--id-suffix S] [--json]',
  load: `device-sim load [-c FILE] [--http URL] [--username U] [--password P] [--devices 100] [--rate 1]
  [--alarm-rate 0.2] [--duration 30s] [--drain 10s] [--qos 1] [--seed 1] [--json]`
}

type Flags = Record<string, string | boolean | string[] | undefined>

const argError = (message: string) => new SimError('SIM_ERR_ARGS', message)

/** "30s", "5m", "8h", "1500ms" or a number of seconds → ms. */
export function parseDuration (flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim())
  if (!m) throw argError(`--${flag}: "${raw}" is not a duration (e.g. 30s, 5m, 8h)`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms']
  return Number(m[1]) * unit
}

function num (flags: Flags, name: string, def: number, opts: { integer?: boolean, min?: number, max?: number } = {}): number {
  const raw = flags[name]
  if (raw === undefined) return def
  const v = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) throw argError(`--${name}: "${String(raw)}" is not a number`)
  if (opts.integer && !Number.isInteger(v)) throw argError(`--${name}: "${raw}" is not a whole number`)
  if (opts.min !== undefined && v < opts.min) throw argError(`--${name}: must be at least ${opts.min}, got ${v}`)
  if (opts.max !== undefined && v > opts.max) throw argError(`--${name}: must be at most ${opts.max}, got ${v}`)
  return v
}

const str = (flags: Flags, name: string): string | undefined => flags[name] as string | undefined

function url (flag: string, raw: string, protocols: RegExp): string {
  try {
    const u = new URL(raw)
    if (!protocols.test(u.protocol)) throw new Error()
  } catch { throw argError(`--${flag}: "${raw}" is not a ${protocols.source.replace(/[\^$():]/g, '')} URL`) }
  return raw
}

const COMMON = {
  credentials: { type: 'string', short: 'c' },
  mqtt: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

const OPTIONS = {
  provision: { ...COMMON, http: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, homes: { type: 'string' }, facilities: { type: 'string' }, 'residents-per-facility': { type: 'string' }, 'homes-per-community': { type: 'string' }, prefix: { type: 'string' }, seed: { type: 'string' }, observer: { type: 'string' } },
  run: { ...COMMON, speed: { type: 'string' }, start: { type: 'string' }, duration: { type: 'string' }, seed: { type: 'string' }, sites: { type: 'string' }, 'falls-per-day': { type: 'string' }, 'sos-per-day': { type: 'string' }, 'cancel-ratio': { type: 'string' }, 'calls-per-day': { type: 'string' }, 'bed-exits-per-night': { type: 'string' }, 'drops-per-day': { type: 'string' }, 'deteriorations-per-day': { type: 'string' }, 'hazards-per-day': { type: 'string' }, 'telemetry-interval': { type: 'string' } },
  scenario: { ...COMMON, speed: { type: 'string' }, seed: { type: 'string' }, 'run-id': { type: 'string' }, trace: { type: 'string' } },
  record: { ...COMMON, out: { type: 'string', short: 'o' }, observer: { type: 'string' }, secret: { type: 'string' }, duration: { type: 'string' }, count: { type: 'string' }, topic: { type: 'string', multiple: true } },
  replay: { ...COMMON, from: { type: 'string' }, speed: { type: 'string' }, 'keep-ts': { type: 'boolean' }, 'id-suffix': { type: 'string' } },
  load: { ...COMMON, http: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, devices: { type: 'string' }, rate: { type: 'string' }, 'alarm-rate': { type: 'string' }, duration: { type: 'string' }, drain: { type: 'string' }, qos: { type: 'string' }, seed: { type: 'string' } }
} as const

type Command = keyof typeof OPTIONS

export async function main (argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.out.write(USAGE + '\n')
    return command ? 0 : 2
  }
  if (!(command in OPTIONS)) {
    io.err.write(`device-sim: unknown command "${command}"\n${USAGE}\n`)
    return 2
  }
  const cmd = command as Command
  try {
    let parsed
    try {
      parsed = parseArgs({ args: rest, options: OPTIONS[cmd], allowPositionals: true, strict: true })
    } catch (err) {
      throw argError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/, '')}\n${HELP[cmd]}`)
    }
    const flags = parsed.values as Flags
    if (flags.help) { io.out.write(HELP[cmd] + '\n'); return 0 }
    const positionals = parsed.positionals
    const wantsFile = cmd === 'scenario' || cmd === 'replay'
    if (wantsFile ? positionals.length !== 1 : positionals.length !== 0) {
      throw argError(wantsFile ? `${cmd} takes one FILE\n${HELP[cmd]}` : `${cmd} takes no positional arguments, got ${positionals.join(' ')}\n${HELP[cmd]}`)
    }
    return await COMMANDS[cmd](flags, positionals[0], io)
  } catch (err) {
    if (err instanceof SimError) {
      io.err.write(`device-sim ${cmd}: ${err.code}: ${err.message}\n`)
      return err.isInput ? 2 : 1
    }
    io.err.write(`device-sim ${cmd}: ${(err as Error)?.stack ?? String(err)}\n`)
    return 1
  }
}

const credentialsPath = (flags: Flags) => str(flags, 'credentials') ?? 'device-sim.credentials.json'

function readCreds (flags: Flags) {
  const file = credentialsPath(flags)
  if (!existsSync(file)) throw new SimError('SIM_ERR_CREDENTIALS', `${file}: no such file (run "device-sim provision" first, or pass -c FILE)`)
  const creds = loadCredentials(file)
  const mqtt = str(flags, 'mqtt')
  if (mqtt) creds.mqttUrl = url('mqtt', mqtt, /^(mqtts?|wss?|tcp):$/)
  return creds
}

function admin (flags: Flags, env: NodeJS.ProcessEnv): { username: string, password: string } {
  const username = str(flags, 'username') ?? env.DEVICE_SIM_USERNAME ?? env.ADMIN_USERNAME ?? 'admin'
  const password = str(flags, 'password') ?? env.DEVICE_SIM_PASSWORD ?? env.ADMIN_PASSWORD
  if (!password) throw argError('a password is needed: --password, or DEVICE_SIM_PASSWORD in the environment')
  return { username, password }
}

/** Resolves after `ms`, or on interruption. */
const timeOrInterrupt = (ms: number | null, io: CliIo) =>
  Promise.race([io.interrupted, ...(ms === null ? [] : [new Promise<void>((r) => setTimeout(r, ms))])])

const COMMANDS: Record<Command, (flags: Flags, file: string | undefined, io: CliIo) => Promise<number>> = {
  async provision (flags, _file, io) {
    const http = url('http', str(flags, 'http') ?? io.env.DEVICE_SIM_HTTP ?? 'http://127.0.0.1:8080', /^https?:$/)
    const mqtt = url('mqtt', str(flags, 'mqtt') ?? `mqtt://${new URL(http).hostname}:1883`, /^(mqtts?|wss?|tcp):$/)
    const prefix = str(flags, 'prefix') ?? PROVISION_DEFAULTS.prefix
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$/.test(prefix)) throw argError(`--prefix: "${prefix}" must be 1–20 letters, digits, "_" or "-" (it starts every device id)`)
    const observer = str(flags, 'observer')
    if (observer !== undefined && !/^[A-Za-z0-9._-]{3,55}$/.test(observer)) throw argError(`--observer: "${observer}" must be 3–55 letters, digits, ".", "_" or "-"`)
    const opts = {
      homes: num(flags, 'homes', PROVISION_DEFAULTS.homes, { integer: true, min: 0, max: 100_000 }),
      facilities: num(flags, 'facilities', PROVISION_DEFAULTS.facilities, { integer: true, min: 0, max: 1000 }),
      residentsPerFacility: num(flags, 'residents-per-facility', PROVISION_DEFAULTS.residentsPerFacility, { integer: true, min: 1, max: 500 }),
      homesPerCommunity: num(flags, 'homes-per-community', PROVISION_DEFAULTS.homesPerCommunity, { integer: true, min: 1 }),
      prefix,
      seed: num(flags, 'seed', PROVISION_DEFAULTS.seed, { integer: true, min: 0 })
    }
    const out = credentialsPath(flags)
    const stats = new Stats()
    const progress = new Progress(stats, 'provision')
    try {
      const creds = await provision(opts, { httpUrl: http, mqttUrl: mqtt, ...admin(flags, io.env), observerName: observer, onSite: (n) => { stats.sent = n } })
      writeCredentials(out, creds)
      const devices = creds.sites.reduce((n, s) => n + s.devices.length, 0)
      const result = { file: out, sites: creds.sites.length, residents: creds.sites.reduce((n, s) => n + s.residents.length, 0), devices, areaId: creds.areaId, observer: creds.observer?.username ?? null }
      io.out.write(flags.json ? JSON.stringify(result) + '\n' : `provisioned ${result.sites} sites, ${result.residents} residents, ${devices} devices; credentials in ${out} (mode 0600)\n`)
      return 0
    } finally { progress.stop() }
  },

  async run (flags, _file, io) {
    const creds = readCreds(flags)
    const rates: RunRates = {
      ...RUN_DEFAULTS,
      fallsPerDay: num(flags, 'falls-per-day', RUN_DEFAULTS.fallsPerDay, { min: 0 }),
      sosPerDay: num(flags, 'sos-per-day', RUN_DEFAULTS.sosPerDay, { min: 0 }),
      cancelRatio: num(flags, 'cancel-ratio', RUN_DEFAULTS.cancelRatio, { min: 0, max: 1 }),
      callsPerDay: num(flags, 'calls-per-day', RUN_DEFAULTS.callsPerDay, { min: 0 }),
      bedExitsPerNight: num(flags, 'bed-exits-per-night', RUN_DEFAULTS.bedExitsPerNight, { min: 0 }),
      dropsPerDay: num(flags, 'drops-per-day', RUN_DEFAULTS.dropsPerDay, { min: 0 }),
      deteriorationsPerDay: num(flags, 'deteriorations-per-day', RUN_DEFAULTS.deteriorationsPerDay, { min: 0 }),
      hazardsPerDay: num(flags, 'hazards-per-day', RUN_DEFAULTS.hazardsPerDay, { min: 0 }),
      telemetryIntervalS: str(flags, 'telemetry-interval') ? parseDuration('telemetry-interval', str(flags, 'telemetry-interval')!) / 1000 : RUN_DEFAULTS.telemetryIntervalS
    }
    if (rates.telemetryIntervalS <= 0) throw argError('--telemetry-interval: must be more than 0')
    const speed = num(flags, 'speed', 1, { min: 0.001, max: 100_000 })
    let simStartMs = Date.now()
    const start = str(flags, 'start')
    if (start) {
      const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(start)
      if (!m) throw argError(`--start: "${start}" is not a time of day (HH:MM)`)
      const d = new Date(); d.setHours(Number(m[1]), Number(m[2]), 0, 0)
      simStartMs = d.getTime()
    }
    const durationMs = str(flags, 'duration') ? parseDuration('duration', str(flags, 'duration')!) : null
    const stats = new Stats()
    const progress = new Progress(stats, 'run')
    try {
      const result = await run({
        creds, url: creds.mqttUrl, rates, speed, simStartMs, seed: num(flags, 'seed', 1, { integer: true, min: 0 }),
        sites: flags.sites ? num(flags, 'sites', creds.sites.length, { integer: true, min: 1 }) : undefined,
        stats,
        until: (clock) => timeOrInterrupt(durationMs === null ? null : clock.wallDelay(durationMs), io)
      })
      const summary = { ...result, sent: stats.sent, acked: stats.acked, errors: stats.errors, refused: stats.refused }
      io.out.write(flags.json ? JSON.stringify(summary) + '\n' : `played ${result.sites} sites (${result.devices} connections): ${stats.sent} messages sent, ${stats.acked} acknowledged, ${stats.errors} errors, ${stats.refusedTotal} refused\n`)
      return stats.errors > 0 && stats.sent === 0 ? 1 : 0
    } finally { progress.stop() }
  },

  async scenario (flags, file, io) {
    const scenario = loadScenario(file!)
    if (flags.seed !== undefined) scenario.seed = num(flags, 'seed', 1, { integer: true, min: 0 })
    const creds = readCreds(flags)
    const stats = new Stats()
    const progress = new Progress(stats, 'scenario')
    try {
      const speed = flags.speed !== undefined ? num(flags, 'speed', 60, { min: 0.001, max: 100_000 }) : undefined
      const r = await runScenario(scenario, creds, {
        speed, runId: str(flags, 'run-id'), stats,
        // on a terminal, each step as it is played
        onStep: (s, done) => { if (progress.enabled) io.err.write(`\r\x1b[2K${file}:${s.line}: ${s.do} ${s.resident ?? s.site ?? s.device}${done ? '' : ' (skipped by chance)'}\n`) }
      })
      const trace = str(flags, 'trace')
      if (trace) await writeFile(trace, r.trace.map((e) => JSON.stringify(e)).join('\n') + '\n')
      const summary = { steps: scenario.steps.length, performed: r.performed, skipped: r.skipped, sent: stats.sent, refused: stats.refused }
      io.out.write(flags.json ? JSON.stringify(summary) + '\n' : `scenario ${file}: ${r.performed} steps performed, ${r.skipped} skipped, ${stats.sent} messages sent, ${stats.refusedTotal} refused\n`)
      for (const x of r.refused) io.err.write(`refused: ${x.deviceId} ${x.error.code} ${x.error.message}\n`)
      return r.refused.length > 0 ? 1 : 0
    } finally { progress.stop() }
  },

  async record (flags, _file, io) {
    const out = str(flags, 'out')
    if (!out) throw argError(`--out FILE is required\n${HELP.record}`)
    let username = str(flags, 'observer')
    let secret = str(flags, 'secret') ?? io.env.DEVICE_SIM_OBSERVER_SECRET
    let mqtt = str(flags, 'mqtt')
    if (!username || !secret || !mqtt) {
      const file = credentialsPath(flags)
      if (existsSync(file)) {
        const creds = readCreds(flags)
        username ??= creds.observer?.username
        secret ??= creds.observer?.secret
        mqtt ??= creds.mqttUrl
      }
    }
    if (!username || !secret) throw argError('observer credentials are needed: --observer observer:NAME with --secret (or DEVICE_SIM_OBSERVER_SECRET), or a credentials file provisioned with --observer')
    if (!username.startsWith('observer:')) throw argError(`--observer: "${username}" must start with "observer:" (the MQTT username an administrator got from POST /api/observers)`)
    if (!mqtt) throw argError('--mqtt URL is required without a credentials file')
    url('mqtt', mqtt, /^(mqtts?|wss?|tcp):$/)
    const durationMs = str(flags, 'duration') ? parseDuration('duration', str(flags, 'duration')!) : null
    const count = flags.count !== undefined ? num(flags, 'count', 0, { integer: true, min: 1 }) : null
    const topics = flags.topic as string[] | undefined
    const stats = new Stats()
    const progress = new Progress(stats, `record → ${out}`)
    try {
      await record({
        url: mqtt, username, secret, file: out, topics, stats,
        until: (s) => Promise.race([
          timeOrInterrupt(durationMs, io),
          ...(count === null ? [] : [new Promise<void>((resolve) => { const t = setInterval(() => { if (s.received >= count) { clearInterval(t); resolve() } }, 20); t.unref() })])
        ])
      })
    } finally { progress.stop() }
    io.out.write(flags.json ? JSON.stringify({ file: out, received: stats.received }) + '\n' : `recorded ${stats.received} messages into ${out}\n`)
    return 0
  },

  async replay (flags, file, io) {
    const speedRaw = str(flags, 'speed') ?? '1'
    const speed = speedRaw === 'max' ? Infinity : num(flags, 'speed', 1, { min: 0.001 })
    const items = await readRecording(file!)
    const creds = readCreds(flags)
    const from = str(flags, 'from')
    const fromCreds = from ? loadCredentials(from) : undefined
    const idSuffix = str(flags, 'id-suffix')
    if (idSuffix !== undefined && !/^[A-Za-z0-9._-]{1,16}$/.test(idSuffix)) throw argError(`--id-suffix: "${idSuffix}" must be 1–16 letters, digits, ".", "_" or "-"`)
    const stats = new Stats()
    const progress = new Progress(stats, 'replay')
    try {
      const r = await replay({ items, creds, fromCreds, speed, keepTs: Boolean(flags['keep-ts']), idSuffix, stats })
      const unmapped = Object.values(r.unmapped).reduce((a, b) => a + b, 0)
      const refused = Object.values(r.refused).reduce((a, b) => a + b, 0)
      if (flags.json) io.out.write(JSON.stringify({ recorded: items.length, sent: r.sent, failed: r.failed, unmapped: r.unmapped, refused: r.refused }) + '\n')
      else {
        io.out.write(`replayed ${file}: ${items.length} recorded, ${r.sent} sent, ${refused} refused by the gateway, ${unmapped} without credentials, ${r.failed} failed\n`)
        for (const [code, n] of Object.entries(r.refused)) io.out.write(`  refused ${code}: ${n}\n`)
        for (const [id, n] of Object.entries(r.unmapped)) io.out.write(`  no credentials for ${id}: ${n} messages\n`)
      }
      return r.failed > 0 || r.sent === 0 ? 1 : 0
    } finally { progress.stop() }
  },

  async load (flags, _file, io) {
    const creds = readCreds(flags)
    const http = url('http', str(flags, 'http') ?? creds.httpUrl ?? io.env.DEVICE_SIM_HTTP ?? 'http://127.0.0.1:8080', /^https?:$/)
    const qos = num(flags, 'qos', 1, { integer: true, min: 0, max: 1 }) as 0 | 1
    const telemetryRate = num(flags, 'rate', 1, { min: 0, max: 1000 })
    // [P-4.3] above 20 msg/s per device the gateway answers rate_limited: allowed, but said
    if (telemetryRate > 20) io.err.write(`note: --rate ${telemetryRate} exceeds the gateway's 20 msg/s per device; expect rate_limited refusals\n`)
    const stats = new Stats()
    const progress = new Progress(stats, 'load')
    try {
      const r = await load({
        creds, httpUrl: http, ...admin(flags, io.env),
        devices: num(flags, 'devices', 100, { integer: true, min: 1 }),
        telemetryRate,
        alarmRate: num(flags, 'alarm-rate', 0.2, { min: 0, max: 10_000 }),
        durationMs: parseDuration('duration', str(flags, 'duration') ?? '30s'),
        drainMs: parseDuration('drain', str(flags, 'drain') ?? '10s'),
        qos, seed: num(flags, 'seed', 1, { integer: true, min: 0 }), stats
      })
      progress.stop()
      io.out.write(flags.json ? JSON.stringify(r) + '\n' : loadTable(r) + '\n')
      return r.devices === 0 ? 1 : 0
    } finally { progress.stop() }
  }
}

/** Entry when run as a program (bin/device-sim.mjs). */
export async function cli (): Promise<void> {
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  const code = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, interrupted })
  process.exitCode = code
  // open sockets of a failed command must not keep the process alive
  setTimeout(() => process.exit(code), 500).unref()
}
