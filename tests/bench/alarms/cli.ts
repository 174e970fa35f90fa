/**
 * `npm run bench:alarms -- [--mode embedded|postgres|scaled] [--gateways 1|2] [--platforms 1|2] [--influx] [--mosquitto] [--aedes] [--devices N]
 *   [--rate MSG_PER_S] [--alarms FALLS_PER_S] [--duration S] [--workers N] [--qos 0|1] [--drain S] [--root CHECKOUT]
 *   [--node-flag FLAG]… [--storm AT_S [--storm-down MS] [--storm-width N] [--storm-silent]]`
 *
 * Prints progress on stderr, then a table and one final JSON line on stdout (docs/benchmarks.md).
 */
import { parseArgs } from 'node:util'
import { BENCH_DEFAULTS, benchSummary, benchTable, runAlarmBench, type AlarmBenchOptions } from './bench.ts'
import { haproxyConnectionCap, scaledDeviceCap } from './scaled.ts'

function fail (message: string): never {
  process.stderr.write(`bench:alarms: ${message}\n`)
  process.exit(2)
}

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: BENCH_DEFAULTS.mode },
    gateways: { type: 'string', default: String(BENCH_DEFAULTS.gateways) },
    platforms: { type: 'string', default: String(BENCH_DEFAULTS.platforms) },
    influx: { type: 'boolean', default: false },
    mosquitto: { type: 'boolean', default: false },
    aedes: { type: 'boolean', default: false },
    devices: { type: 'string', default: String(BENCH_DEFAULTS.devices) },
    rate: { type: 'string' },
    alarms: { type: 'string', default: String(BENCH_DEFAULTS.alarms) },
    duration: { type: 'string', default: String(BENCH_DEFAULTS.durationS) },
    workers: { type: 'string', default: String(BENCH_DEFAULTS.workers) },
    qos: { type: 'string', default: String(BENCH_DEFAULTS.telemetryQos) },
    drain: { type: 'string', default: String(BENCH_DEFAULTS.drainS) },
    root: { type: 'string' },
    'node-flag': { type: 'string', multiple: true, default: [] },
    storm: { type: 'string' },
    'storm-down': { type: 'string' },
    'storm-width': { type: 'string' },
    'storm-silent': { type: 'boolean' },
    help: { type: 'boolean', default: false }
  },
  strict: true
})
if (values.help) {
  process.stdout.write('usage: npm run bench:alarms -- [--mode embedded|postgres|scaled] [--gateways 1|2] [--platforms 1|2 (scaled: standalone gateways and platform nodes behind haproxy on PostgreSQL, Redis, InfluxDB)] [--influx] [--mosquitto] [--aedes (a bare aedes broker too, as a second reference)] [--devices N] [--rate MSG_PER_S (default: one per device per second)] [--alarms PER_S] [--duration S] [--workers N] [--qos 0|1] [--drain S] [--root CHECKOUT (run that checkout\'s platform, to compare versions)] [--node-flag FLAG (given to the platform\'s node after the runtime\'s flags of scripts/node-flags.json, e.g. --node-flag=--max-semi-space-size=32; repeatable; embedded and postgres modes)] [--storm AT_S (AT_S s into the run every load process drops its connections and reconnects them; the falling devices stay) [--storm-down MS (default 1000)] [--storm-width N (handshakes in flight per load process, default 500)] [--storm-silent (the old connections left open without a byte more, as after a cut that sends no FIN: every reconnect takes over a session the server still holds)]]\n')
  process.exit(0)
}
const int = (name: string, v: string | undefined, min: number, max: number): number => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} "${v}" must be a whole number from ${min} to ${max}`)
  return n
}
if (values.mode !== 'embedded' && values.mode !== 'postgres' && values.mode !== 'scaled') fail(`--mode "${values.mode}" must be embedded, postgres or scaled`)
const devices = int('devices', values.devices, 1, 50_000)
const opts: AlarmBenchOptions = {
  mode: values.mode,
  // deploy/haproxy.cfg has two gateway and two platform slots
  gateways: int('gateways', values.gateways, 1, 2),
  platforms: int('platforms', values.platforms, 1, 2),
  influx: values.influx,
  mosquitto: values.mosquitto,
  aedes: values.aedes,
  devices,
  rate: values.rate === undefined ? devices : int('rate', values.rate, 0, 200_000),
  alarms: int('alarms', values.alarms, 1, 1000),
  durationS: int('duration', values.duration, 1, 3600),
  workers: int('workers', values.workers, 1, 16),
  telemetryQos: int('qos', values.qos, 0, 1) as 0 | 1,
  drainS: int('drain', values.drain, 0, 600),
  root: values.root,
  nodeFlags: values['node-flag'],
  storm: values.storm === undefined ? null : { atS: int('storm', values.storm, 1, 3599), downMs: int('storm-down', values['storm-down'] ?? '1000', 0, 60_000), width: int('storm-width', values['storm-width'] ?? '500', 1, 50_000), silent: values['storm-silent'] === true },
  log: (line) => process.stderr.write(`[bench:alarms] ${line}\n`)
}
for (const f of opts.nodeFlags ?? []) if (!/^--[a-z][a-z0-9-]*(=\S+)?$/.test(f)) fail(`--node-flag "${f}" must be one node or V8 option such as --max-semi-space-size=32`)
if (opts.nodeFlags?.length && opts.mode === 'scaled') fail('--node-flag applies to the embedded and postgres modes\' platform process, not to --mode scaled')
// A run past what HAProxy can hold here connected 9,500 of 10,000 devices in 222 s and gave up:
// said at once instead
if (opts.mode === 'scaled' && devices > scaledDeviceCap()) fail(`--devices ${devices}: through HAProxy this machine holds about ${haproxyConnectionCap()} connections (two descriptors each within ulimit -n), enough for ${scaledDeviceCap()} devices with --mode scaled; use fewer devices or raise ulimit -n`)
if (!opts.storm && (values['storm-down'] !== undefined || values['storm-width'] !== undefined || values['storm-silent'] !== undefined)) fail('--storm-down, --storm-width and --storm-silent shape a storm: give --storm AT_S too')
if (opts.storm && opts.storm.atS >= opts.durationS) fail(`--storm ${opts.storm.atS} must fall within the run (--duration ${opts.durationS})`)
if (opts.rate / devices > 20) fail(`--rate ${opts.rate} over ${devices} devices is more than 20 msg/s per device, the gateway's telemetry allowance [P-4.3]`)

const result = await runAlarmBench(opts)
process.stdout.write(`\n${benchTable(result)}\n\n${JSON.stringify(benchSummary(result))}\n`)
process.exit(0)
