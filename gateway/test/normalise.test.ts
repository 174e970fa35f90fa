/**
 * The normalise step maps protocols' decode verdict to the record and the answers; validity itself
 * is decode's (protocols/test). These run decode for real, so the two cannot drift apart.
 */
import { describe, expect, it } from 'vitest'
import { decodeUpstream, type UpstreamKind } from '@eldercare/protocols'
import { normaliseVerdict } from '../src/ingest/normalise.ts'

const now = Date.UTC(2026, 10, 29, 3, 0, 0)
const SKEW = 300_000

function through (kind: UpstreamKind, body: unknown) {
  const v = decodeUpstream(kind, Buffer.from(JSON.stringify(body)), { now })
  if (!v.ok) throw new Error(`decode refused: ${v.message}`)
  return { message: v.message as Record<string, unknown>, ...normaliseVerdict(v.message, v, now, SKEW) }
}

describe('normaliseVerdict', () => {
  it('[P-2.3] keeps a device time within the tolerance, unmarked', () => {
    expect(through('events', { id: 'e1', ts: now - 1000, type: 'fall' })).toMatchObject({ deviceTs: new Date(now - 1000), clockSkew: false, warnings: [] })
  })

  it('[P-2.3] marks a device time beyond the tolerance clockSkew and keeps it', () => {
    expect(through('events', { id: 'e1', ts: now - 10 * 60_000, type: 'fall' })).toMatchObject({ deviceTs: new Date(now - 10 * 60_000), clockSkew: true })
  })

  it.each([-1, Date.UTC(10000, 0, 1), 1.5])('[P-2.3] an alarm whose ts (%d) is unusable is recorded at the receive time: no device time, clockSkew, no answer', (ts) => {
    const n = through('events', { id: 'e1', ts, type: 'sos' })
    expect(n).toMatchObject({ deviceTs: null, clockSkew: true, warnings: [] })
    expect(n.message.ts).toBe(now)
  })

  it('[P-2.3] an alarm without ts is recorded at the receive time and told that ts is missing', () => {
    const n = through('intercom', { id: 'i1', type: 'call_request', callId: 'c1' })
    expect(n).toMatchObject({ deviceTs: null, clockSkew: true })
    expect(n.warnings.map((w) => [w.device, w.message])).toEqual([['invalid_payload', expect.stringMatching(/^intercom\.ts is missing/)]])
  })

  it('[P-2.3a] each dropped optional field of an alarm is one invalid_payload answer naming it', () => {
    const n = through('events', { id: 'e1', ts: now, type: 'fall', location: 'bath\u0000room', note: 'x' })
    expect(n.message).toEqual({ id: 'e1', ts: now, type: 'fall' })
    expect(n.warnings.map((w) => [w.code, w.device])).toEqual([['GW_ERR_FIELD_DROPPED', 'invalid_payload'], ['GW_ERR_FIELD_DROPPED', 'invalid_payload']])
    expect(n.warnings[0].message).toMatch(/^events\.location /)
    expect(n.warnings[1].message).toMatch(/"note"/)
  })

  it('[P-2.3] a batch sample dated out of range is one out_of_range answer naming the sample; a batch without ts has no device time', () => {
    const n = through('telemetry', { id: 't1', samples: [{ ts: now, vitals: { hr: 70 } }, { ts: Date.UTC(10000, 0, 1), vitals: { hr: 71 } }] })
    expect(n).toMatchObject({ deviceTs: null, clockSkew: false })
    expect(n.warnings.map((w) => [w.device, w.message])).toEqual([['out_of_range', expect.stringContaining('samples[1]')]])
  })
})
