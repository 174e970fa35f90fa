/**
 * A corpus of device messages generated with fast-check over the protocol's schemas
 * (protocols/src/messages.ts): every field present, absent or hostile — strings with NUL,
 * lone surrogates and 4-byte characters, numbers at and beyond each bound, deep nesting,
 * duplicate keys. Deterministic (a fixed seed), so a failure names a message that can be
 * replayed.
 */
import fc from 'fast-check'
import { EVENT_TYPES, INTERCOM_TYPES, MAX_TIMESTAMP_MS } from '@eldercare/protocols'

export interface CorpusMessage {
  kind: 'telemetry' | 'events' | 'intercom' | 'status' | 'commands/ack'
  /** the exact payload text */
  text: string
}

const YEAR_10000 = 253_402_300_800_000

const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000b', '😀', '😀'.repeat(64), '😀'.repeat(65), '\ud83d', 'x'.repeat(64), 'x'.repeat(65), '', 'bathroom', '卫生间'),
  fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom('\u0000', '\ud800', '\udc00'), fc.string({ maxLength: 6 })).map(([a, b, c]) => a + b + c)
)
const now = Date.now()
const edgeNumber = fc.oneof(
  fc.constantFrom(0, -1, 0.5, 1, 1.5, 19.999, 20, 250, 250.001, 49, 50, 100, 101, 30, 43, 43.01, 10, 11, -90, 90, 91, -180, 180, 181, -150, -151,
    MAX_TIMESTAMP_MS, MAX_TIMESTAMP_MS + 1, YEAR_10000, 8.64e15 + 1, 1e308, -1e308),
  fc.integer({ min: now - 3_600_000, max: now + 3_600_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true })
)
const tsArb = fc.oneof(fc.integer({ min: now - 60_000, max: now }), edgeNumber)
const any = fc.oneof(hostileString, edgeNumber, fc.boolean(), fc.constant(null))

const bodies = {
  events: fc.record({
    id: hostileString, ts: tsArb, type: fc.oneof(fc.constantFrom(...EVENT_TYPES.filter((t) => t !== 'test')), hostileString),
    confidence: edgeNumber, location: hostileString, ref: hostileString,
    geo: fc.record({ lat: edgeNumber, lng: edgeNumber, acc: edgeNumber }, { requiredKeys: [] }), extra: any
  }, { requiredKeys: ['id', 'type'] }),
  intercom: fc.record({ id: hostileString, ts: tsArb, type: fc.oneof(fc.constantFrom(...INTERCOM_TYPES), hostileString), callId: hostileString }, { requiredKeys: ['id', 'type'] }),
  'commands/ack': fc.record({ id: hostileString, ts: tsArb, ok: fc.oneof(fc.boolean(), any), error: hostileString }, { requiredKeys: ['id'] }),
  status: fc.record({ online: fc.oneof(fc.boolean(), any), ts: tsArb, battery: edgeNumber, rssi: edgeNumber, fw: hostileString }, { requiredKeys: [] }),
  telemetry: fc.oneof(
    fc.record({ id: hostileString, ts: tsArb, vitals: fc.record({ hr: edgeNumber, spo2: edgeNumber, temp: edgeNumber }, { requiredKeys: [] }) }, { requiredKeys: ['id', 'vitals'] }),
    fc.record({ id: hostileString, samples: fc.array(fc.record({ ts: tsArb, vitals: fc.record({ hr: edgeNumber }) }), { minLength: 1, maxLength: 4 }) })
  )
} as const

/** The serialised text, sometimes with a hostile twist a JSON encoder would not produce. */
const twist = fc.constantFrom('none', 'none', 'none', 'duplicate-type', 'deep-location')
function render (body: Record<string, unknown>, how: string): string {
  const text = JSON.stringify(body)
  if (how === 'duplicate-type' && 'type' in body) return `{"type":"explosion",${text.slice(1)}` // the last one wins
  if (how === 'deep-location') return `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"location":${'['.repeat(2000)}${']'.repeat(2000)}}`
  return text
}

/** `count` messages over every upstream kind, ids unique among them (so recorded = once). */
export function corpus (count: number, seed = 20261129): CorpusMessage[] {
  const message = fc.oneof(
    ...(Object.keys(bodies) as Array<keyof typeof bodies>).map((kind) => fc.tuple(bodies[kind] as fc.Arbitrary<Record<string, unknown>>, twist).map(([b, how]) => ({ kind, body: b, how })))
  )
  const sample = fc.sample(fc.uniqueArray(message, { minLength: count, maxLength: count, selector: (m) => (m.body.id !== undefined ? `id ${JSON.stringify(m.body.id)}` : `body ${JSON.stringify(m.body)}`) }), { seed, numRuns: 1 })[0]
  return sample.map((m) => ({ kind: m.kind, text: render(m.body, m.how) }))
}
