/** `device-sim replay FILE`: re-publish a recording, timing scaled by --speed. */
import { loadCredentials } from '../credentials.ts'
import { Progress, Stats } from '../progress.ts'
import { readRecording } from '../recording.ts'
import { replay as replayRecording } from '../replay.ts'
import { COMMON_OPTIONS, argError, num, readCreds, str, type Command } from './command.ts'

export const replay: Command = {
  help: 'device-sim replay FILE [-c FILE] [--from OLD-CREDENTIALS] [--speed 1|10|max] [--keep-ts] [--id-suffix S] [--json]',
  options: { ...COMMON_OPTIONS, from: { type: 'string' }, speed: { type: 'string' }, 'keep-ts': { type: 'boolean' }, 'id-suffix': { type: 'string' } },
  takesFile: true,

  async run (flags, file, io) {
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
      const r = await replayRecording({ items, creds, fromCreds, speed, keepTs: Boolean(flags['keep-ts']), idSuffix, stats })
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
  }
}
