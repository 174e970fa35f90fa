/** `device-sim run`: play the homes and facilities of a credentials file. */
import { Progress, Stats } from '../progress.ts'
import { run as playSites } from '../run.ts'
import { RUN_DEFAULTS, type RunRates } from '../site-player.ts'
import { COMMON_OPTIONS, argError, num, parseDuration, readCreds, str, timeOrInterrupt, type Command } from './command.ts'

export const run: Command = {
  help: `device-sim run [-c FILE] [--speed 1] [--start HH:MM] [--duration 8h] [--seed 1] [--sites N]
  [--falls-per-day ${RUN_DEFAULTS.fallsPerDay}] [--sos-per-day ${RUN_DEFAULTS.sosPerDay}] [--cancel-ratio ${RUN_DEFAULTS.cancelRatio}]
  [--calls-per-day ${RUN_DEFAULTS.callsPerDay}] [--bed-exits-per-night ${RUN_DEFAULTS.bedExitsPerNight}] [--drops-per-day ${RUN_DEFAULTS.dropsPerDay}]
  [--deteriorations-per-day ${RUN_DEFAULTS.deteriorationsPerDay}] [--hazards-per-day ${RUN_DEFAULTS.hazardsPerDay}]
  [--telemetry-interval ${RUN_DEFAULTS.telemetryIntervalS}s]   (simulated time; --duration too)`,
  options: { ...COMMON_OPTIONS, speed: { type: 'string' }, start: { type: 'string' }, duration: { type: 'string' }, seed: { type: 'string' }, sites: { type: 'string' }, 'falls-per-day': { type: 'string' }, 'sos-per-day': { type: 'string' }, 'cancel-ratio': { type: 'string' }, 'calls-per-day': { type: 'string' }, 'bed-exits-per-night': { type: 'string' }, 'drops-per-day': { type: 'string' }, 'deteriorations-per-day': { type: 'string' }, 'hazards-per-day': { type: 'string' }, 'telemetry-interval': { type: 'string' } },
  takesFile: false,

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
      const result = await playSites({
        creds, url: creds.mqttUrl, rates, speed, simStartMs, seed: num(flags, 'seed', 1, { integer: true, min: 0 }),
        sites: flags.sites ? num(flags, 'sites', creds.sites.length, { integer: true, min: 1 }) : undefined,
        stats,
        until: (clock) => timeOrInterrupt(durationMs === null ? null : clock.wallDelay(durationMs), io)
      })
      const summary = { ...result, sent: stats.sent, acked: stats.acked, errors: stats.errors, refused: stats.refused }
      io.out.write(flags.json ? JSON.stringify(summary) + '\n' : `played ${result.sites} sites (${result.devices} connections): ${stats.sent} messages sent, ${stats.acked} acknowledged, ${stats.errors} errors, ${stats.refusedTotal} refused\n`)
      return stats.errors > 0 && stats.sent === 0 ? 1 : 0
    } finally { progress.stop() }
  }
}
