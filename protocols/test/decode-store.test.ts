/**
 * Validation that matches the store (issue 12): strings well-formed Unicode without NUL
 * [P-2.3a], times within what every store holds [P-2.3], an alarm never refused for its clock
 * or for a bad optional field, a batch not poisoned by one sample. Unit cases first, then
 * fast-check properties over the schemas: strings with NUL, lone surrogates and 4-byte
 * characters, numbers at and beyond each bound, deep nesting, duplicate keys.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ALARM_KINDS, DEVICE_ERROR_CODES, EVENT_TYPES, MAX_DROPPED_LISTED, MAX_TIMESTAMP_MS, UPSTREAM_KINDS,
  decodeUpstream, isDeviceText, type DecodeResult, type UpstreamKind
} from '../src/index.ts'

const enc = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))
const NOW = 1_763_800_123_456
const TS = 1_763_800_000_000
const YEAR_10000 = 253_402_300_800_000
const ok = <K extends UpstreamKind>(r: DecodeResult<K>) => {
  if (!r.ok) throw new Error(`expected accepted, got ${r.code}: ${r.message}`)
  return r
}

describe('[P-2.3a] device strings', () => {
  it('isDeviceText refuses NUL and lone surrogates, accepts paired surrogates (4-byte characters)', () => {
    expect(isDeviceText('bathroom')).toBe(true)
    expect(isDeviceText('卫生间😀')).toBe(true)
    expect(isDeviceText('a\u0000b')).toBe(false)
    expect(isDeviceText('\ud800')).toBe(false)
    expect(isDeviceText('x\udfff')).toBe(false)
    expect(isDeviceText('\udc00\ud800')).toBe(false) // reversed pair: two lone halves
  })

  it('a fall whose id holds a NUL or a lone surrogate is invalid_payload, with no ref', () => {
    for (const text of ['{"id":"f-\\u0000","ts":1763800000000,"type":"fall"}', '{"id":"f-\\ud800","ts":1763800000000,"type":"fall"}']) {
      const r = decodeUpstream('events', enc(text))
      expect(r.ok ? 'ok' : [r.code, r.ref]).toEqual(['invalid_payload', null])
      if (!r.ok) expect(r.message).toMatch(/events\.id must be well-formed Unicode without NUL/)
    }
  })

  it('a fall whose location holds a NUL is recorded without it, the location named', () => {
    const r = ok(decodeUpstream('events', enc({ id: 'f-1', ts: TS, type: 'fall', location: 'bath\u0000room', confidence: 0.9 })))
    expect(r.message).toEqual({ id: 'f-1', ts: TS, type: 'fall', confidence: 0.9 })
    expect(r.dropped).toEqual([{ field: 'location', code: 'invalid_payload', message: expect.stringMatching(/^events\.location must be well-formed Unicode.*dropped and the events message recorded$/) }])
    expect(r.tsUsable).toBe(true)
  })

  it('an unknown field of an alarm is dropped, its name escaped so the answer stays valid text', () => {
    const r = ok(decodeUpstream('events', enc('{"id":"f-2","ts":1763800000000,"type":"sos","\\u0000bad\\ud800":1}')))
    expect(r.message).toEqual({ id: 'f-2', ts: TS, type: 'sos' })
    expect(r.dropped).toHaveLength(1)
    expect(isDeviceText(r.dropped[0].field)).toBe(true)
    expect(isDeviceText(r.dropped[0].message)).toBe(true)
    expect(r.dropped[0].field).toBe('"\\u0000bad\\ud800"')
  })

  it('lists at most MAX_DROPPED_LISTED dropped fields, the last counting the rest', () => {
    const body: Record<string, unknown> = { id: 'f-3', ts: TS, type: 'sos' }
    for (let i = 0; i < 50; i++) body[`x${i}`] = i
    const r = ok(decodeUpstream('events', enc(body)))
    expect(r.dropped).toHaveLength(MAX_DROPPED_LISTED)
    expect(r.dropped.at(-1)).toMatchObject({ field: '*', message: `${50 - MAX_DROPPED_LISTED + 1} more fields were dropped` })
  })

  it('a command answer keeps ok when its error text is bad; a status with a bad fw is refused', () => {
    const ack = ok(decodeUpstream('commands/ack', enc({ id: 'c-1', ts: TS, ok: false, error: 'busy\u0000' })))
    expect(ack.message).toEqual({ id: 'c-1', ts: TS, ok: false })
    expect(ack.dropped.map((d) => d.field)).toEqual(['error'])
    const st = decodeUpstream('status', enc({ online: true, fw: '\ud83d' }))
    expect(st.ok ? 'ok' : st.code).toBe('invalid_payload')
  })

  it('an intercom event without a usable callId, or a cancel without a usable ref, is invalid_payload', () => {
    const i = decodeUpstream('intercom', enc({ id: 'i-1', ts: TS, type: 'call_request', callId: 'c\u0000' }))
    expect(i.ok ? 'ok' : [i.code, i.ref]).toEqual(['invalid_payload', 'i-1'])
    const c = decodeUpstream('events', enc({ id: 'e-1', ts: TS, type: 'cancel', ref: 'e\u0000' }))
    expect(c.ok ? 'ok' : [c.code, c.ref]).toEqual(['invalid_payload', 'e-1'])
    // a bad ref on an event that is not a cancel is only dropped
    const f = ok(decodeUpstream('events', enc({ id: 'e-2', ts: TS, type: 'fall', ref: 'e\u0000' })))
    expect(f.dropped.map((d) => d.field)).toEqual(['ref'])
  })
})

describe('[P-2.3] device time', () => {
  it('a fall dated in the year 10000 is accepted at the receive time, tsUsable false, nothing dropped', () => {
    const r = ok(decodeUpstream('events', enc({ id: 'f-4', ts: YEAR_10000, type: 'fall' }), { now: NOW }))
    expect(r).toMatchObject({ message: { id: 'f-4', ts: NOW, type: 'fall' }, tsUsable: false, dropped: [] })
  })

  it('an sos with ts -1, a float or no ts at all is accepted at the receive time', () => {
    for (const ts of [-1, 1763800000.5, -1e300, 1e300]) {
      const r = ok(decodeUpstream('events', enc({ id: 's-1', ts, type: 'sos' }), { now: NOW }))
      expect([r.message.ts, r.tsUsable, r.dropped]).toEqual([NOW, false, []])
    }
    const missing = ok(decodeUpstream('events', enc({ id: 's-2', type: 'sos' }), { now: NOW }))
    expect([missing.message.ts, missing.tsUsable, missing.dropped.map((d) => d.field)]).toEqual([NOW, false, ['ts']])
    const text = ok(decodeUpstream('events', enc({ id: 's-3', ts: 'yesterday', type: 'sos' }), { now: NOW }))
    expect([text.message.ts, text.tsUsable, text.dropped.map((d) => d.field)]).toEqual([NOW, false, ['ts']])
  })

  it('0 and MAX_TIMESTAMP_MS are usable; one beyond either is not', () => {
    for (const [ts, usable] of [[0, true], [MAX_TIMESTAMP_MS, true], [-1, false], [MAX_TIMESTAMP_MS + 1, false]] as const) {
      const r = ok(decodeUpstream('intercom', enc({ id: 'i-2', ts, type: 'call_request', callId: 'c-1' }), { now: NOW }))
      expect([ts, r.tsUsable]).toEqual([ts, usable])
    }
    // MAX_TIMESTAMP_MS is a time JavaScript, PostgreSQL (4-digit year) and InfluxDB (int64 ns) all hold
    expect(new Date(MAX_TIMESTAMP_MS).toISOString()).toBe('2262-04-11T23:47:16.854Z')
    expect(BigInt(MAX_TIMESTAMP_MS) * 1_000_000n <= 2n ** 63n - 1n).toBe(true)
    expect(BigInt(MAX_TIMESTAMP_MS + 1) * 1_000_000n > 2n ** 63n - 1n).toBe(true)
  })

  it('telemetry dated out of range is out_of_range, naming ts', () => {
    const r = decodeUpstream('telemetry', enc({ id: 't-1', ts: YEAR_10000, vitals: { hr: 70 } }))
    expect(r.ok ? 'ok' : [r.code, r.ref]).toEqual(['out_of_range', 't-1'])
    if (!r.ok) expect(r.message).toMatch(/^telemetry\.ts 253402300800000 is outside 0 to 9223372036854/)
  })

  it('a batch sample dated in the year 10000 is dropped and named; the other samples are kept', () => {
    const samples = [{ ts: TS, vitals: { hr: 70 } }, { ts: YEAR_10000, vitals: { hr: 71 } }, { ts: TS + 1, vitals: { hr: 72 } }]
    const r = ok(decodeUpstream('telemetry', enc({ id: 'b-1', samples })))
    expect(r.message).toEqual({ id: 'b-1', samples: [samples[0], samples[2]] })
    expect(r.dropped).toEqual([{ field: 'samples[1]', code: 'out_of_range', message: expect.stringContaining('telemetry.samples[1].ts 253402300800000 is outside') }])
  })

  it('a batch whose every sample is out of range is out_of_range', () => {
    const r = decodeUpstream('telemetry', enc({ id: 'b-2', samples: [{ ts: -1, vitals: { hr: 70 } }] }))
    expect(r.ok ? 'ok' : [r.code, r.ref]).toEqual(['out_of_range', 'b-2'])
  })
})

// ── properties ───────────────────────────────────────────────────────────────────────────

/** Strings that stress the text rule: NUL, lone surrogates, 4-byte characters, plain text. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000b', '😀', '😀'.repeat(64), '😀'.repeat(65), '\ud83d', 'x'.repeat(64), 'x'.repeat(65), ''),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\ud800', '\udc00'), fc.string({ maxLength: 8 })).map(([a, b, c]) => a + b + c)
)
/** Numbers at and beyond each bound of the schemas. */
const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1.5, 4, 3.999, 20, 19.999, 250, 250.001, 50, 100, 100.0001, 30, 43, 43.01, 10, 10.5, 60, 160, 260, -90, 90, 90.0001, -180, 180, 180.5, -150, -151,
    MAX_TIMESTAMP_MS, MAX_TIMESTAMP_MS + 1, YEAR_10000, 8.64e15, 8.64e15 + 1, Number.MAX_SAFE_INTEGER, 1e308, -1e308, TS),
  fc.double({ noNaN: true, noDefaultInfinity: true })
)
const value = fc.oneof(hostileString, edgeNumber, fc.boolean(), fc.constant(null))

const shape = {
  telemetry: () => fc.record({ id: hostileString, ts: edgeNumber, vitals: fc.record({ hr: edgeNumber, spo2: edgeNumber, temp: edgeNumber }, { requiredKeys: [] }) }, { requiredKeys: ['vitals'] }),
  batch: () => fc.record({ id: hostileString, samples: fc.array(fc.record({ ts: edgeNumber, vitals: fc.record({ hr: edgeNumber }) }), { minLength: 1, maxLength: 5 }) }),
  events: () => fc.record({
    id: hostileString, ts: fc.oneof(edgeNumber, value), type: fc.oneof(fc.constantFrom(...EVENT_TYPES), hostileString), confidence: edgeNumber,
    location: hostileString, ref: hostileString, geo: fc.record({ lat: edgeNumber, lng: edgeNumber, acc: edgeNumber }, { requiredKeys: [] }), extra: value
  }, { requiredKeys: [] }),
  intercom: () => fc.record({ id: hostileString, ts: edgeNumber, type: fc.constantFrom('call_request', 'call_ended', 'bogus'), callId: hostileString }, { requiredKeys: [] }),
  status: () => fc.record({ online: fc.oneof(fc.boolean(), value), ts: edgeNumber, battery: edgeNumber, rssi: edgeNumber, fw: hostileString }, { requiredKeys: [] }),
  'commands/ack': () => fc.record({ id: hostileString, ts: edgeNumber, ok: fc.oneof(fc.boolean(), value), error: hostileString }, { requiredKeys: [] })
}
const generated = fc.oneof(
  ...(['telemetry', 'events', 'intercom', 'status', 'commands/ack'] as const).map((kind) => shape[kind]().map((body) => ({ kind: kind as UpstreamKind, body }))),
  shape.batch().map((body) => ({ kind: 'telemetry' as UpstreamKind, body }))
)

/** Every string anywhere in a JSON value (keys included), without recursion limits of concern at these depths. */
function strings (v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v)
  else if (Array.isArray(v)) v.forEach((x) => strings(x, out))
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push(k); strings(x, out) }
  return out
}

const CODES = new Set<string>(DEVICE_ERROR_CODES)

describe('decodeUpstream over generated messages [P-2.3][P-2.3a][P-4.2]', () => {
  it('an accepted message holds only store-safe values: text strings, times in range', () => {
    fc.assert(fc.property(generated, ({ kind, body }) => {
      const r = decodeUpstream(kind, enc(body), { now: NOW })
      if (!r.ok) return CODES.has(r.code) && r.message.length > 0 && isDeviceText(r.message) && (r.ref === null || isDeviceText(r.ref))
      const m = r.message as Record<string, unknown>
      const times = 'samples' in m ? [m.ts, ...(m.samples as Array<{ ts: number }>).map((s) => s.ts)] : [m.ts]
      return strings(m).every(isDeviceText) &&
        times.every((t) => t === undefined || (Number.isInteger(t) && (t as number) >= 0 && (t as number) <= MAX_TIMESTAMP_MS)) &&
        r.dropped.every((d) => isDeviceText(d.field) && isDeviceText(d.message)) &&
        // a re-encoded accepted message is accepted as it stands: nothing left to drop
        ((rr) => rr.ok && rr.dropped.length === 0 && rr.tsUsable)(decodeUpstream(kind, enc(m), { now: NOW }))
    }), { numRuns: 3000 })
  })

  it('an alarm is refused only for its id, its type or a field it cannot do without', () => {
    fc.assert(fc.property(generated.filter((g) => ALARM_KINDS.has(g.kind)), ({ kind, body }) => {
      const r = decodeUpstream(kind, enc(body), { now: NOW })
      if (r.ok) return true
      const b = body as Record<string, unknown>
      const validId = typeof b.id === 'string' && isDeviceText(b.id) && [...b.id].length >= 1 && [...b.id].length <= 64
      // with a valid id the answer names the field that made it invalid
      return !validId || /\.(id|type|callId|ok|ref)\b|ref is required/.test(r.message)
    }), { numRuns: 3000 })
  })

  it('an alarm with a valid id and type is accepted whatever its ts and optional fields', () => {
    const id = fc.string({ minLength: 1, maxLength: 64 }).filter((s) => isDeviceText(s) && [...s].length <= 64)
    fc.assert(fc.property(id, fc.constantFrom(...EVENT_TYPES.filter((t) => t !== 'cancel')), fc.oneof(edgeNumber, value), hostileString, edgeNumber, value,
      (id, type, ts, location, confidence, extra) => {
        const r = decodeUpstream('events', enc({ id, ts, type, location, confidence, extra }), { now: NOW })
        return r.ok && r.message.id === id && r.message.type === type &&
          r.tsUsable === (typeof ts === 'number' && Number.isInteger(ts) && ts >= 0 && ts <= MAX_TIMESTAMP_MS)
      }), { numRuns: 2000 })
  })

  it('deep nesting anywhere yields a coded answer, never an exception or a stack overflow', () => {
    fc.assert(fc.property(fc.constantFrom(...UPSTREAM_KINDS), fc.integer({ min: 1, max: 8000 }), fc.constantFrom('location', 'geo', 'vitals', 'extra', 'samples'),
      (kind, depth, field) => {
        const text = `{"id":"n-1","ts":1763800000000,"type":"fall","${field}":${'['.repeat(depth)}${']'.repeat(depth)}}`
        const r = decodeUpstream(kind, enc(text), { now: NOW })
        return r.ok ? strings(r.message).every(isDeviceText) : CODES.has(r.code)
      }), { numRuns: 300 })
  })

  it('duplicate keys: the last one wins, exactly as if it were the only one', () => {
    fc.assert(fc.property(generated, fc.constantFrom('id', 'ts', 'type', 'location', 'online', 'ok', 'vitals'), value, ({ kind, body }, key, first) => {
      const b = body as Record<string, unknown>
      if (!(key in b)) return true
      const rest = JSON.stringify(b).slice(1)
      const dup = `{${JSON.stringify(key)}:${JSON.stringify(first)},${rest}`
      // (the order of the dropped list follows the order of the keys, which a duplicate moves)
      const sorted = (r: DecodeResult<UpstreamKind>) => (r.ok ? { ...r, dropped: [...r.dropped].sort((x, y) => x.field.localeCompare(y.field)) } : r)
      expect(sorted(decodeUpstream(kind, enc(dup), { now: NOW }))).toEqual(sorted(decodeUpstream(kind, enc(b), { now: NOW })))
      return true
    }), { numRuns: 1000 })
  })
})
