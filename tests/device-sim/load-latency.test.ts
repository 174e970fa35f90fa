/**
 * `device-sim load` on the real embedded platform, kept short: open-loop telemetry and
 * alarms from a few devices, latency measured from PUBLISH to `incident:opened` over
 * socket.io as an operator. Asserts behaviour (every measured alarm matched, figures present),
 * never speed: the figures themselves are reported by a real run, not by tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { cli, tempDir } from './cli-helpers.ts'

let p: TestPlatform
const tmp = tempDir('load')
beforeAll(async () => { p = await startTestPlatform(); await p.api.login() })
afterAll(async () => { await p?.close(); tmp.remove() })

describe('device-sim load', () => {
  it('measures every alarm from PUBLISH to incident:opened and reports rates as JSON', async () => {
    const creds = tmp.path('creds.json')
    const admin = ['--username', ADMIN.username, '--password', ADMIN.password]
    const prov = await cli(['provision', '--http', p.httpUrl, '--mqtt', p.mqttUrl, ...admin, '--homes', '4', '--facilities', '0', '--prefix', 'ld', '-c', creds])
    expect(prov.code, prov.err).toBe(0)
    const r = await cli(['load', '-c', creds, ...admin, '--devices', '20', '--rate', '2', '--alarm-rate', '4', '--duration', '2s', '--drain', '15s', '--json'])
    expect(r.code, r.err).toBe(0)
    const report = JSON.parse(r.out)
    expect(report.devices).toBe(20)
    expect(report.alarms.sent).toBeGreaterThanOrEqual(4)
    expect(report.alarms.measured).toBe(report.alarms.sent)
    expect(report.alarms.opened).toBe(report.alarms.measured)
    expect(report.alarms.missing).toBe(0)
    expect(report.latencyMs.p50).toBeGreaterThan(0)
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(report.latencyMs.p99)
    expect(report.sent).toBeGreaterThan(report.alarms.sent)
    expect(report.errors).toBe(0)
    expect(report.refused).toEqual({})

    const table = await cli(['load', '-c', creds, ...admin, '--devices', '5', '--rate', '1', '--alarm-rate', '0', '--duration', '1s', '--drain', '0s'])
    expect(table.code, table.err).toBe(0)
    expect(table.out).toMatch(/^devices connected\s+5$/m)
    expect(table.out).toMatch(/^latency p99\s+–$/m)
  })
})
