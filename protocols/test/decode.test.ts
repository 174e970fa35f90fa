import { describe, expect, it } from 'vitest'
import { MAX_PAYLOAD_BYTES, decodeUpstream, hasReading, parseDeviceTopic, deviceTopic } from '../src/index.ts'

const enc = (v: unknown): Uint8Array => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))

describe('decodeUpstream', () => {
  it('accepts a fall event [P-3.2]', () => {
    const r = decodeUpstream('events', enc({ id: 'e-1', ts: 1763800000000, type: 'fall', confidence: 0.93, location: 'bathroom' }))
    expect(r).toEqual({ ok: true, message: { id: 'e-1', ts: 1763800000000, type: 'fall', confidence: 0.93, location: 'bathroom' }, dropped: [], tsUsable: true })
  })

  it('answers invalid_json for text that is not JSON [P-3.7]', () => {
    const r = decodeUpstream('events', enc('{"id":'))
    expect(r.ok).toBe(false)
    if (!r.ok) expect([r.code, r.ref]).toEqual(['invalid_json', null])
  })

  it('answers invalid_json for bytes that are not UTF-8 [P-2.1]', () => {
    const r = decodeUpstream('events', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))
    expect(r.ok ? 'ok' : r.code).toBe('invalid_json')
  })

  it('answers invalid_payload for a JSON value that is not an object', () => {
    for (const v of ['[]', '42', 'null', '"fall"']) {
      const r = decodeUpstream('events', enc(v))
      expect(r.ok ? 'ok' : r.code).toBe('invalid_payload')
    }
  })

  it('answers invalid_payload naming the missing field, with the id as ref [P-2.2]', () => {
    const r = decodeUpstream('telemetry', enc({ id: 'e-2', vitals: { hr: 70 } }))
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.code).toBe('invalid_payload')
      expect(r.ref).toBe('e-2')
      expect(r.message).toContain('ts')
    }
  })

  it('answers invalid_payload for an unknown field of a message that is not an alarm', () => {
    const r = decodeUpstream('status', enc({ online: true, colour: 'red' }))
    expect(r.ok ? 'ok' : [r.code, r.message]).toEqual(['invalid_payload', expect.stringContaining('colour')])
  })

  it('answers unknown_type for an event type outside the contract', () => {
    const r = decodeUpstream('events', enc({ id: 'e-4', ts: 1, type: 'explosion' }))
    expect(r.ok ? 'ok' : [r.code, r.message]).toEqual(['unknown_type', expect.stringContaining('fall')])
  })

  it('answers out_of_range for a reading outside its valid range [P-3.1]', () => {
    const r = decodeUpstream('telemetry', enc({ id: 't-1', ts: 1, vitals: { hr: 400 } }))
    expect(r.ok ? 'ok' : [r.code, r.message]).toEqual(['out_of_range', expect.stringContaining('vitals.hr')])
  })

  it('answers too_large above 16 KiB before parsing [P-2.1]', () => {
    const big = enc({ id: 'e-5', ts: 1, type: 'fall', location: 'x'.repeat(MAX_PAYLOAD_BYTES) })
    const r = decodeUpstream('events', big)
    expect(r.ok ? 'ok' : [r.code, r.ref]).toEqual(['too_large', null])
  })

  it('accepts a telemetry batch of up to 500 samples and refuses 501 [P-3.1]', () => {
    const sample = { ts: 1, vitals: { hr: 70 } }
    expect(decodeUpstream('telemetry', enc({ id: 'b', samples: Array(500).fill(sample) })).ok).toBe(true)
    expect(decodeUpstream('telemetry', enc({ id: 'b', samples: Array(501).fill(sample) })).ok).toBe(false)
  })

  it('accepts the will payload on status [P-3.4]', () => {
    expect(decodeUpstream('status', enc({ online: false }))).toEqual({ ok: true, message: { online: false }, dropped: [], tsUsable: true })
  })

  it('tells whether telemetry carries a reading', () => {
    expect(hasReading({ id: 'x', ts: 1 })).toBe(false)
    expect(hasReading({ id: 'x', ts: 1, vitals: {} })).toBe(false)
    expect(hasReading({ id: 'x', ts: 1, bed: { occupied: true } })).toBe(true)
  })
})

describe('device topics', () => {
  it('round-trips a device topic', () => {
    expect(parseDeviceTopic(deviceTopic('fd-001', 'events'))).toEqual({ deviceId: 'fd-001', kind: 'events' })
    expect(parseDeviceTopic('care/v1/devices/fd-001/commands/ack')).toEqual({ deviceId: 'fd-001', kind: 'commands/ack' })
  })

  it('rejects wildcards, unknown kinds and bad ids [P-1.3]', () => {
    for (const t of ['care/v1/devices/+/events', 'care/v1/devices/#', 'care/v1/devices/fd-001/video', 'care/v1/devices/a/events', 'care/v2/devices/fd-001/events']) {
      expect(parseDeviceTopic(t)).toBeNull()
    }
  })
})
