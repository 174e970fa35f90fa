/** Input validation of the simulator: scenario, recording and credentials files, and CLI flags, with line-numbered errors. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCredentials } from '../src/credentials.ts'
import { main, parseDuration } from '../src/cli.ts'
import { parseScenarioText } from '../src/scenario.ts'
import { parseRecordingLine, readRecording, recordLine } from '../src/recording.ts'
import { SimError } from '../src/errors.ts'

const dir = mkdtempSync(join(tmpdir(), 'device-sim-inputs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p }

const run = async (argv: string[]) => {
  const out = new PassThrough()
  const err = new PassThrough()
  let e = ''
  err.on('data', (d) => { e += d })
  const code = await main(argv, { out, err: err as unknown as NodeJS.WriteStream, env: {}, interrupted: new Promise(() => {}) })
  return { code, err: e }
}

const errorOf = (fn: () => unknown): SimError => {
  try { fn() } catch (e) { return e as SimError }
  throw new Error('no error')
}

describe('scenario files', () => {
  it('parses YAML and JSON, and sorts steps by time keeping file order for ties', () => {
    const s = parseScenarioText('s.yaml', 'seed: 4\nsteps:\n  - { at: "00:10", resident: R1, do: sos }\n  - { at: "00:05", resident: R2, do: fall }\n  - { at: "00:10", resident: R1, do: cancel }\n')
    expect(s.seed).toBe(4)
    expect(s.steps.map((x) => [x.atMs, x.do, x.line])).toEqual([[300_000, 'fall', 4], [600_000, 'sos', 3], [600_000, 'cancel', 5]])
    const j = parseScenarioText('s.json', '{"steps":[{"at":"01:00:30","site":"H0001","do":"call"}]}')
    expect(j.steps[0]).toMatchObject({ atMs: 3_630_000, site: 'H0001', do: 'call', chance: 1 })
  })

  it.each([
    ['steps:\n  - at: "00:10"\n    resident: R1\n    do: jump\n', 's.yaml:4: steps[0].do: "jump" must be one of'],
    ['steps:\n  - at: "00:10"\n    resident: R1\n    do: fall\n  - at: 7\n    resident: R1\n    do: fall\n', 's.yaml:5: steps[1].at: must be a string'],
    ['steps:\n  - { at: "0:61", resident: R1, do: fall }\n', 's.yaml:2: steps[0].at: "0:61" is not a time since the start'],
    ['steps:\n  - { at: "00:01", do: fall }\n', 's.yaml:2: steps[0]: a step names a resident, a site or a device'],
    ['steps:\n  - { at: "00:01", resident: R1, do: cancel }\n', 's.yaml:2: steps[0].do: cancel needs an earlier fall or sos of R1'],
    ['steps:\n  - { at: "00:01", resident: R1, do: fall, chance: 2 }\n', 's.yaml:2: steps[0].chance: must be at most 1'],
    ['steps:\n  - { at: "00:01", resident: R1, do: vitals, vitals: { pulse: 80 } }\n', 's.yaml:2: steps[0].vitals.pulse: unknown field'],
    ['seed: 1\nsped: 3\nsteps: []\n', 's.yaml:2: sped: unknown field'],
    ['seed: 1\nsteps:\n  - at: "00:01"\n     resident: R1\n    do: fall\n', 's.yaml:4: syntax error: All mapping items must start at the same column'],
    ['steps:\n  - { at: "00:01", resident: R1, do: fall }\nseed: 2\nseed: 3\n', 's.yaml:4: syntax error: Map keys must be unique'],
    ['seed: 1\n', 's.yaml:1: steps: must be a list']
  ])('names the line and field of %j', (text, message) => {
    const e = errorOf(() => parseScenarioText('s.yaml', text))
    expect(e.code).toBe('SIM_ERR_SCENARIO')
    expect(e.message).toContain(message)
  })
})

describe('recordings', () => {
  it('round-trips a recorded line, keeping a non-JSON payload as base64', () => {
    const line = recordLine('care/v1/devices/d-1/events', Buffer.from('{"id":"e1","ts":1,"type":"sos"}'), 1, false, 1000)
    expect(parseRecordingLine('r', 1, line)).toMatchObject({ t: 1000, qos: 1, retain: false, deviceId: 'd-1', kind: 'events', payload: { id: 'e1' } })
    const raw = recordLine('care/v1/devices/d-1/telemetry', Buffer.from([0xff, 0x00]), 0, false, 1)
    expect(parseRecordingLine('r', 1, raw)).toMatchObject({ payloadBase64: '/wA=' })
  })

  it.each([
    ['not json', 'r.ndjson:3: not JSON'],
    ['{"t":"x","topic":"care/v1/devices/d-1/events","qos":1,"retain":false,"payload":{}}', 'r.ndjson:3: t: must be the receive time'],
    ['{"t":1,"topic":"care/v1/devices/d-1/commands","qos":1,"retain":false,"payload":{}}', 'r.ndjson:3: topic: "care/v1/devices/d-1/commands" is not a device → gateway topic'],
    ['{"t":1,"topic":"care/v1/devices/d-1/events","qos":3,"retain":false,"payload":{}}', 'r.ndjson:3: qos: must be 0, 1 or 2'],
    ['{"t":1,"topic":"care/v1/devices/d-1/events","qos":1,"payload":{}}', 'r.ndjson:3: retain: must be true or false'],
    ['{"t":1,"topic":"care/v1/devices/d-1/events","qos":1,"retain":false}', 'r.ndjson:3: payload: is required']
  ])('names the line and field of %j', async (bad, message) => {
    const good = '{"t":1,"topic":"care/v1/devices/d-1/events","qos":1,"retain":false,"payload":{"id":"a","ts":1,"type":"sos"}}'
    const p = file('r.ndjson', `${good}\n\n${bad}\n${good}\n`)
    const e = await readRecording(p).catch((x: SimError) => x)
    expect(e).toBeInstanceOf(SimError)
    expect((e as SimError).message.startsWith(`${p}:${message.slice('r.ndjson:'.length)}`)).toBe(true)
  })

  it('replay with a bad recording exits 2 with the line, before connecting anywhere', async () => {
    const p = file('bad.ndjson', '{"t":1,"topic":"care/v1/devices/d-1/events","qos":1,"retain":false,"payload":{}}\n{"t":2}\n')
    const r = await run(['replay', p, '-c', join(dir, 'missing.json')])
    expect(r.code).toBe(2)
    expect(r.err).toContain(`${p}:2: topic: is required`)
  })
})

describe('credentials files', () => {
  const good = { version: 1, mqttUrl: 'mqtt://127.0.0.1:1883', sites: [{ key: 'H1', id: 's1', kind: 'home', residents: [{ key: 'R1', id: 'r1' }], devices: [{ key: 'H1-fall', id: 'x-h1-fall', secret: 's', type: 'fall_detector', resident: 'R1' }] }] }
  it('reads a valid file', () => {
    const c = loadCredentials(file('c.json', JSON.stringify(good, null, 2)))
    expect(c.sites[0].devices[0]).toMatchObject({ id: 'x-h1-fall', resident: 'R1', parent: null })
  })
  it('names the line of a bad device type and of an unknown resident', () => {
    const bad = structuredClone(good) as any
    bad.sites[0].devices[0].type = 'toaster'
    const p = file('c1.json', JSON.stringify(bad, null, 2))
    expect(errorOf(() => loadCredentials(p)).message).toMatch(new RegExp(`^${p}:\\d+: sites\\[0\\]\\.devices\\[0\\]\\.type: "toaster" must be one of`))
    bad.sites[0].devices[0].type = 'fall_detector'
    bad.sites[0].devices[0].resident = 'R9'
    const p2 = file('c2.json', JSON.stringify(bad, null, 2))
    expect(errorOf(() => loadCredentials(p2)).message).toContain('sites[0].devices[0].resident: no resident R9 at site H1')
  })
})

describe('command-line flags', () => {
  it('parses durations with units', () => {
    expect(parseDuration('d', '30s')).toBe(30_000)
    expect(parseDuration('d', '1.5h')).toBe(5_400_000)
    expect(parseDuration('d', '250ms')).toBe(250)
    expect(parseDuration('d', '12')).toBe(12_000)
    expect(() => parseDuration('duration', 'soon')).toThrow('--duration: "soon" is not a duration')
  })

  it.each([
    [['provision', '--homes', 'many'], '--homes: "many" is not a number'],
    [['provision', '--homes=-1', '--password', 'x'], '--homes: must be at least 0'],
    [['provision', '--prefix', 'bad prefix', '--password', 'x'], '--prefix: "bad prefix" must be'],
    [['provision', '--http', 'ftp://x'], '--http: "ftp://x" is not a'],
    [['run', '--bogus'], "Unknown option '--bogus'"],
    [['scenario'], 'scenario takes one FILE'],
    [['record'], '--out FILE is required'],
    [['replay', 'x.ndjson', '--speed', 'fast'], '--speed: "fast" is not a number'],
    [['load', '-c', '/nonexistent/creds.json'], 'no such file']
  ])('%j exits 2 with %j', async (argv, message) => {
    const r = await run(argv as string[])
    expect(r.code).toBe(2)
    expect(r.err).toContain(message)
  })

  it('an unknown command exits 2 and shows the usage', async () => {
    const r = await run(['fly'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('unknown command "fly"')
  })
})
