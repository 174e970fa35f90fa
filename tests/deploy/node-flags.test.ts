// The runtime's flags (scripts/node-flags.json, docs/deployment.md "The runtime's flags"): what
// node is given before the platform's entry point, by `npm start` and by the image alike. Node 24
// (the image's) lets the young generation grow to 2 × 64 MiB where Node 20 stops at 2 × 16 MiB;
// the larger one made the alarm tail and the event loop's longest stalls worse (docs/benchmarks.md,
// twenty-third session), so both are held at 16.
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { runtimeNodeFlags } from '../support/nodes.ts'
import { makeTempDir, spawnServer, waitUntilReady, type ServerProcess } from '../support/process.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')

/** Makes short-lived garbage for 1.5 s and prints how large the young generation grew, MiB. */
const YOUNG_GENERATION_PROBE = `
const v8 = require('node:v8')
let keep = []
const end = Date.now() + 1500
while (Date.now() < end) {
  for (let i = 0; i < 1e5; i++) { const o = { a: i, b: [i], c: 'x' + i }; if (i % 50 === 0) keep.push(o) }
  if (keep.length > 200000) keep = []
}
const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
process.stdout.write(String(space.space_size / 2 ** 20))
`

async function youngGenerationMiB (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { stdout } = await run(process.execPath, [...args, '-e', YOUNG_GENERATION_PROBE], { env, timeout: 30_000 })
  return Number(stdout)
}

describe('the runtime\'s flags', () => {
  it('is a list of node options, and the image\'s NODE_OPTIONS carries each of them', () => {
    const flags = runtimeNodeFlags()
    expect(flags).toContain('--max-semi-space-size=16')
    const env = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))
    expect(env, 'Dockerfile: ENV NODE_OPTIONS="…"').not.toBeNull()
    const options = env![1]!.split(/\s+/)
    expect(options).toContain('--conditions=@eldercare/compiled')
    for (const flag of flags) expect(options).toContain(flag)
  })

  it('holds the young generation at 2 × 16 MiB, given on the command line (npm start) or in NODE_OPTIONS (the image)', async () => {
    const flags = runtimeNodeFlags()
    // the probe sees a young generation grow when it may: 2 × 64 MiB allowed, more than 2 × 16 used
    expect(await youngGenerationMiB(['--max-semi-space-size=64'])).toBeGreaterThan(32)
    expect(await youngGenerationMiB(flags)).toBeLessThanOrEqual(32)
    expect(await youngGenerationMiB([], { ...process.env, NODE_OPTIONS: flags.join(' ') })).toBeLessThanOrEqual(32)
  }, 60_000)

  it('npm start refuses a flags file that is not a list of options, naming it, before anything starts', async () => {
    const root = makeTempDir('node-flags')
    mkdirSync(join(root.dir, 'scripts'))
    copyFileSync(join(ROOT, 'scripts/start.mjs'), join(root.dir, 'scripts/start.mjs'))
    // not a list, an option without its dashes, not JSON at all (the parser's reason follows)
    for (const [content, parseError] of [['{"flags": []}', false], ['["max-semi-space-size=16"]', false], ['--max-semi-space-size=16', true]] as const) {
      writeFileSync(join(root.dir, 'scripts/node-flags.json'), content)
      const failed = await run(process.execPath, [join(root.dir, 'scripts/start.mjs')], { timeout: 10_000 }).then(() => null, (err: { code: number, stderr: string }) => err)
      expect(failed, content).not.toBeNull()
      expect(failed!.code).toBe(1)
      expect(failed!.stderr).toContain(`${join(root.dir, 'scripts/node-flags.json')}: expected a JSON array of node options`)
      if (parseError) expect(failed!.stderr).toMatch(/\(.*JSON/)
    }
    root.remove()
  })

  describe('npm start (scripts/start.mjs)', () => {
    let start: ServerProcess | undefined
    let platformPid = 0

    afterAll(async () => {
      await start?.kill('SIGTERM', 10_000)
      if (platformPid) try { process.kill(platformPid, 'SIGKILL') } catch { /* gone with it */ }
    })

    it('runs the embedded platform with them, and it answers /api/health', async () => {
      const data = makeTempDir('npm-start')
      const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', HTTP_PORT: '0', MQTT_PORT: '0', MQTT_WS_PORT: '0', DATA_DIR: data.dir, DEMO: 'off', ADMIN_PASSWORD: 'npm-start-test-pw', LOG_LEVEL: 'info' }
      delete env.NODE_OPTIONS
      start = spawnServer('npm start', process.execPath, [join(ROOT, 'scripts/start.mjs')], { cwd: ROOT, env })
      let http = 0
      await waitUntilReady('npm start', async () => {
        const log = start!.logTail(200)
        const m = /"msg":"listening"/.test(log) && /"http":(\d+)/.exec(log)
        if (m) http = Number(m[1])
        return http > 0
      }, { process: start, timeoutMs: 180_000, intervalMs: 200 })
      platformPid = Number(readFileSync(`/proc/${start.pid}/task/${start.pid}/children`, 'utf8').trim().split(/\s+/)[0])
      const argv = readFileSync(`/proc/${platformPid}/cmdline`, 'utf8').split('\0')
      const entry = argv.findIndex((a) => a.endsWith('scripts/embedded-demo.mjs'))
      expect(entry, argv.join(' ')).toBeGreaterThan(0)
      for (const flag of runtimeNodeFlags()) expect(argv.slice(1, entry)).toContain(flag)
      expect((await fetch(`http://127.0.0.1:${http}/api/health`)).status).toBe(200)
      await start.kill('SIGTERM', 10_000)
      expect(await start.exited).toEqual({ code: 0, signal: null })
      data.remove()
    }, 240_000)
  })
})
