/**
 * `npm run bench:alarms` refuses what it cannot run, at once and saying why (issue 11): a scaled
 * run with more devices than HAProxy can hold here used to connect 9,500 of 10,000 devices in
 * 222 s and then give up. The cap follows this machine's `ulimit -n`, so the test asks for one
 * device more than it, whatever the machine. Nothing is started: the refusal comes first. The
 * same for `npm run bench:readings:prune` and `npm run bench:vacuum`.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { haproxyConnectionCap, scaledDeviceCap } from '../bench/alarms/scaled.ts'

const run = promisify(execFile)
const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'tests/bench/alarms/cli.ts', ...args], { timeout: 30_000 })
  .then(() => ({ code: 0, stderr: '' }), (err: { code: number, stderr: string }) => ({ code: err.code, stderr: err.stderr }))

describe('bench:alarms arguments', () => {
  it('the connection cap follows ulimit -n: two descriptors a connection', () => {
    expect(haproxyConnectionCap()).toBeGreaterThan(0)
    expect(scaledDeviceCap()).toBeLessThan(haproxyConnectionCap())
  })

  it('refuses a scaled run with more devices than HAProxy can hold here, naming the limit', async () => {
    const too = scaledDeviceCap() + 1
    const { code, stderr } = await cli(['--mode', 'scaled', '--devices', String(too)])
    expect(code).toBe(2)
    expect(stderr).toContain(`--devices ${too}: through HAProxy this machine holds about ${haproxyConnectionCap()} connections`)
    expect(stderr).toContain(`enough for ${scaledDeviceCap()} devices`)
  })

  it('refuses a bad mode and a rate beyond the telemetry allowance', async () => {
    expect(await cli(['--mode', 'cluster'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--mode "cluster" must be embedded, postgres or scaled') })
    expect(await cli(['--devices', '10', '--rate', '500'])).toMatchObject({ code: 2, stderr: expect.stringContaining('more than 20 msg/s per device') })
  })

  it('refuses a storm outside the run, a bad width, and storm settings without a storm', async () => {
    expect(await cli(['--duration', '10', '--storm', '10'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--storm 10 must fall within the run (--duration 10)') })
    expect(await cli(['--storm', '5', '--storm-width', '0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--storm-width "0" must be a whole number from 1 to 50000') })
    expect(await cli(['--storm-down', '500'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--storm-down, --storm-width and --storm-silent shape a storm: give --storm AT_S too') })
    expect(await cli(['--storm-silent'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--storm-down, --storm-width and --storm-silent shape a storm: give --storm AT_S too') })
  })

  it('the bare aedes reference broker refuses a port it cannot use, saying what it wants', async () => {
    const bare = await run(process.execPath, ['--import', 'tsx', 'tests/bench/alarms/bare-aedes.ts', 'eighty'], { timeout: 30_000 })
      .then(() => ({ code: 0, stderr: '' }), (err: { code: number, stderr: string }) => ({ code: err.code, stderr: err.stderr }))
    expect(bare).toMatchObject({ code: 2, stderr: expect.stringContaining('the first argument must be a TCP port (1–65535), got "eighty"') })
  })

  it('bench:readings:prune refuses a table too small to measure, an unknown database, a part of a week and an unknown option', async () => {
    const prune = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'tests/bench/readings-prune.ts', ...args], { timeout: 30_000 })
      .then(() => ({ code: 0, stderr: '' }), (err: { code: number, stderr: string }) => ({ code: err.code, stderr: err.stderr }))
    expect(await prune(['--rows', '5'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--rows must be a whole number from 10000 to 50000000, not "5"') })
    expect(await prune(['--db', 'mysql'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--db must be pglite or postgres, not "mysql"') })
    expect(await prune(['--weeks', '1.5'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--weeks must be a whole number from 0 to 104, not "1.5"') })
    expect(await prune(['--row', '100000'])).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--row'") })
  })

  it('bench:vacuum refuses a city too small or too large to seed, minutes of presence it cannot write, and an unknown option', async () => {
    const vacuum = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'tests/bench/vacuum.ts', ...args], { timeout: 30_000 })
      .then(() => ({ code: 0, stderr: '' }), (err: { code: number, stderr: string }) => ({ code: err.code, stderr: err.stderr }))
    expect(await vacuum(['--residents', '5'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--residents must be a whole number from 1000 to 1000000, not "5"') })
    expect(await vacuum(['--residents', '2000000'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--residents must be a whole number from 1000 to 1000000, not "2000000"') })
    expect(await vacuum(['--presence-minutes', '1.5'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--presence-minutes must be a whole number from 0 to 600, not "1.5"') })
    expect(await vacuum(['--presence-minutes', 'hour'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--presence-minutes must be a whole number from 0 to 600, not "hour"') })
    expect(await vacuum(['--resident', '1000'])).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--resident'") })
  })
})
