/**
 * The conformance vectors device makers run against their firmware (protocols/conformance/*.json)
 * are the project's own schema tests: every vector must give its expected outcome.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DEVICE_ERROR_CODES, EVENT_TYPES, INTERCOM_TYPES, UPSTREAM_KINDS, checkDeviceMessage, parseCaptureLine, runVector, vectorPayload } from '../src/index.ts'
import { loadVectorFiles } from '../conformance/check.ts'

const files = loadVectorFiles()

describe('conformance vectors', () => {
  for (const { file, content } of files) {
    describe(file, () => {
      for (const v of content.vectors) {
        it(`[${v.clause ?? 'P-3'}] ${v.name} → ${v.expect}`, () => {
          expect(runVector(content.kind, v)).toBeNull()
        })
      }
    })
  }

  it('cover every upstream kind, every event and intercom type, and every payload error code', () => {
    expect(new Set(files.map((f) => f.content.kind))).toEqual(new Set(UPSTREAM_KINDS))
    const all = files.flatMap((f) => f.content.vectors.map((v) => ({ kind: f.content.kind, v })))
    const payloadTypes = (kind: string) => new Set(all.filter((x) => x.kind === kind && x.v.expect === 'accepted').map((x) => (x.v.payload as { type?: string } | undefined)?.type))
    for (const t of EVENT_TYPES) expect(payloadTypes('events'), t).toContain(t)
    for (const t of INTERCOM_TYPES) expect(payloadTypes('intercom'), t).toContain(t)
    // codes a single message can earn without a live session (the rest need a connection: see gateway tests)
    const sessionCodes = new Set(['rate_limited', 'unauthorized_topic', 'duplicate', 'internal'])
    const expected = DEVICE_ERROR_CODES.filter((c) => !sessionCodes.has(c))
    expect(new Set(all.map((x) => x.v.expect))).toEqual(new Set(['accepted', ...expected]))
  })

  it('pads size vectors to the exact byte count [P-2.1]', () => {
    expect(vectorPayload({ name: 'x', payload: { online: true }, padToBytes: 16385, expect: 'too_large' }).byteLength).toBe(16385)
  })
})

describe('checking captured firmware output', () => {
  it('reads JSON capture records and mosquitto_sub -v lines', () => {
    expect(parseCaptureLine('{"topic":"care/v1/devices/fd-1/status","payload":{"online":true}}')).toEqual({ topic: 'care/v1/devices/fd-1/status', payload: new TextEncoder().encode('{"online":true}') })
    expect(parseCaptureLine('care/v1/devices/fd-1/events {"id":"e"}')).toEqual({ topic: 'care/v1/devices/fd-1/events', payload: new TextEncoder().encode('{"id":"e"}') })
    expect(parseCaptureLine('   ')).toBeNull()
  })

  it('[P-2.5] refuses a topic a device may not publish on', () => {
    const v = checkDeviceMessage('care/v1/devices/fd-1/commands', new TextEncoder().encode('{}'))
    expect(v.ok ? 'ok' : v.code).toBe('unauthorized_topic')
    expect(checkDeviceMessage('care/v1/devices/fd-1/events/extra', new Uint8Array()).ok).toBe(false)
  })

  it('the CLI judges a capture file and exits 1 when a message is rejected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conformance-'))
    try {
      const file = join(dir, 'capture.ndjson')
      writeFileSync(file, [
        JSON.stringify({ topic: 'care/v1/devices/fd-001/events', payload: { id: 'e-1', ts: 1763800000000, type: 'fall' } }),
        'care/v1/devices/fd-001/telemetry {"id":"t-1","ts":1763800000000,"vitals":{"hr":400}}',
        JSON.stringify({ topic: 'care/v1/devices/fd-001/events', payload: { id: 'e-2', ts: 1763800000000, type: 'fall', location: 'bath\u0000room' } }),
        ''
      ].join('\n'))
      const cli = fileURLToPath(new URL('../conformance/check.ts', import.meta.url))
      const r = spawnSync(process.execPath, ['--import', 'tsx', cli, file], { encoding: 'utf8' })
      expect(r.stdout).toContain('line 1: accepted events')
      expect(r.stdout).toMatch(/line 2: out_of_range \(ref t-1\) — telemetry\.vitals\.hr/)
      // [P-2.3a] kept by the gateway, but firmware to fix: the line says so and the exit code is 1
      expect(r.stdout).toMatch(/line 3: accepted events with problems — invalid_payload: events\.location must be well-formed Unicode/)
      expect(r.stdout).toContain('1/3 messages accepted as sent')
      expect(r.status).toBe(1)
      const usage = spawnSync(process.execPath, ['--import', 'tsx', cli], { encoding: 'utf8' })
      expect(usage.status).toBe(2)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    // two cold starts of node + tsx: well under a second on a quiet machine, several on a busy one
  }, 30_000)
})
