/** `device-sim record`: record device messages as an MQTT observer into an NDJSON file. */
import { existsSync } from 'node:fs'
import { OBSERVER_PREFIX } from '@eldercare/protocols'
import { Progress, Stats } from '../progress.ts'
import { record as recordMessages } from '../record.ts'
import { COMMON_OPTIONS, MQTT_URL, argError, credentialsPath, num, parseDuration, readCreds, str, timeOrInterrupt, url, type Command } from './command.ts'

const HELP = 'device-sim record --out FILE [-c FILE | --observer observer:NAME --secret S (or DEVICE_SIM_OBSERVER_SECRET)] [--mqtt URL] [--duration 10m] [--count N] [--topic FILTER]…'

export const record: Command = {
  help: HELP,
  options: { ...COMMON_OPTIONS, out: { type: 'string', short: 'o' }, observer: { type: 'string' }, secret: { type: 'string' }, duration: { type: 'string' }, count: { type: 'string' }, topic: { type: 'string', multiple: true } },
  takesFile: false,

  async run (flags, _file, io) {
    const out = str(flags, 'out')
    if (!out) throw argError(`--out FILE is required\n${HELP}`)
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
    if (!username.startsWith(OBSERVER_PREFIX)) throw argError(`--observer: "${username}" must start with "${OBSERVER_PREFIX}" (the MQTT username an administrator got from POST /api/observers)`)
    if (!mqtt) throw argError('--mqtt URL is required without a credentials file')
    url('mqtt', mqtt, MQTT_URL)
    const durationMs = str(flags, 'duration') ? parseDuration('duration', str(flags, 'duration')!) : null
    const count = flags.count !== undefined ? num(flags, 'count', 0, { integer: true, min: 1 }) : null
    const topics = flags.topic as string[] | undefined
    const stats = new Stats()
    const progress = new Progress(stats, `record → ${out}`)
    try {
      await recordMessages({
        url: mqtt, username, secret, file: out, topics, stats,
        until: (s) => Promise.race([
          timeOrInterrupt(durationMs, io),
          ...(count === null ? [] : [new Promise<void>((resolve) => { const t = setInterval(() => { if (s.received >= count) { clearInterval(t); resolve() } }, 20); t.unref() })])
        ])
      })
    } finally { progress.stop() }
    io.out.write(flags.json ? JSON.stringify({ file: out, received: stats.received }) + '\n' : `recorded ${stats.received} messages into ${out}\n`)
    return 0
  }
}
