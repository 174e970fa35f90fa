/** `device-sim scenario FILE`: play a scripted timeline (YAML or JSON) deterministically. */
import { writeFile } from 'node:fs/promises'
import { Progress, Stats } from '../progress.ts'
import { loadScenario, runScenario } from '../scenario.ts'
import { COMMON_OPTIONS, num, readCreds, str, type Command } from './command.ts'

export const scenario: Command = {
  help: 'device-sim scenario FILE [-c FILE] [--speed N] [--seed N] [--run-id ID] [--trace OUT.ndjson] [--json]',
  options: { ...COMMON_OPTIONS, speed: { type: 'string' }, seed: { type: 'string' }, 'run-id': { type: 'string' }, trace: { type: 'string' } },
  takesFile: true,

  async run (flags, file, io) {
    const script = loadScenario(file!)
    if (flags.seed !== undefined) script.seed = num(flags, 'seed', 1, { integer: true, min: 0 })
    const creds = readCreds(flags)
    const stats = new Stats()
    const progress = new Progress(stats, 'scenario')
    try {
      const speed = flags.speed !== undefined ? num(flags, 'speed', 60, { min: 0.001, max: 100_000 }) : undefined
      const r = await runScenario(script, creds, {
        speed, runId: str(flags, 'run-id'), stats,
        // on a terminal, each step as it is played
        onStep: (s, done) => { if (progress.enabled) io.err.write(`\r\x1b[2K${file}:${s.line}: ${s.do} ${s.resident ?? s.site ?? s.device}${done ? '' : ' (skipped by chance)'}\n`) }
      })
      const trace = str(flags, 'trace')
      if (trace) await writeFile(trace, r.trace.map((e) => JSON.stringify(e)).join('\n') + '\n')
      const summary = { steps: script.steps.length, performed: r.performed, skipped: r.skipped, sent: stats.sent, refused: stats.refused }
      io.out.write(flags.json ? JSON.stringify(summary) + '\n' : `scenario ${file}: ${r.performed} steps performed, ${r.skipped} skipped, ${stats.sent} messages sent, ${stats.refusedTotal} refused\n`)
      for (const x of r.refused) io.err.write(`refused: ${x.deviceId} ${x.error.code} ${x.error.message}\n`)
      return r.refused.length > 0 ? 1 : 0
    } finally { progress.stop() }
  }
}
