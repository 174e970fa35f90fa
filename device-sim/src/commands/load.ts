/** `device-sim load`: N devices at fixed rates; measures alarm latency to incident:opened. */
import { load as loadTest, loadTable } from '../load.ts'
import { Progress, Stats } from '../progress.ts'
import { COMMON_OPTIONS, admin, num, parseDuration, readCreds, str, url, type Command } from './command.ts'

export const load: Command = {
  help: `device-sim load [-c FILE] [--http URL] [--username U] [--password P] [--devices 100] [--rate 1]
  [--alarm-rate 0.2] [--duration 30s] [--drain 10s] [--qos 1] [--seed 1] [--json]`,
  options: { ...COMMON_OPTIONS, http: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, devices: { type: 'string' }, rate: { type: 'string' }, 'alarm-rate': { type: 'string' }, duration: { type: 'string' }, drain: { type: 'string' }, qos: { type: 'string' }, seed: { type: 'string' } },
  takesFile: false,

  async run (flags, _file, io) {
    const creds = readCreds(flags)
    const http = url('http', str(flags, 'http') ?? creds.httpUrl ?? io.env.DEVICE_SIM_HTTP ?? 'http://127.0.0.1:8080', /^https?:$/)
    const qos = num(flags, 'qos', 1, { integer: true, min: 0, max: 1 }) as 0 | 1
    const telemetryRate = num(flags, 'rate', 1, { min: 0, max: 1000 })
    // [P-4.3] above 20 msg/s per device the gateway answers rate_limited: allowed, but said
    if (telemetryRate > 20) io.err.write(`note: --rate ${telemetryRate} exceeds the gateway's 20 msg/s per device; expect rate_limited refusals\n`)
    const stats = new Stats()
    const progress = new Progress(stats, 'load')
    try {
      const r = await loadTest({
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
