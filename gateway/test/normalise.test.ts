import { describe, expect, it } from 'vitest'
import { STORE_TS_MAX, normaliseMessage } from '../src/ingest/normalise.ts'

const now = Date.UTC(2026, 10, 29, 3, 0, 0)
const SKEW = 300_000

describe('normaliseMessage', () => {
  it('[P-2.3] keeps a device time within the tolerance, unmarked', () => {
    const n = normaliseMessage('events', { id: 'e1', ts: now - 1000, type: 'fall' }, now, SKEW)
    expect(n).toMatchObject({ deviceTs: new Date(now - 1000), clockSkew: false, invalid: null, dropped: [] })
  })

  it('[P-2.3] marks a device time beyond the tolerance clockSkew and keeps it', () => {
    const n = normaliseMessage('events', { id: 'e1', ts: now - 10 * 60_000, type: 'fall' }, now, SKEW)
    expect(n).toMatchObject({ deviceTs: new Date(now - 10 * 60_000), clockSkew: true })
  })

  it.each([-1, STORE_TS_MAX + 1, Date.UTC(10000, 0, 1)])('[P-2.3] a device time the store cannot hold (%d) leaves no device time, clockSkew, and the value in the message', (ts) => {
    const n = normaliseMessage('events', { id: 'e1', ts, type: 'sos' }, now, SKEW)
    expect(n).toMatchObject({ deviceTs: null, clockSkew: true, invalid: null })
    expect(n.message.ts).toBe(ts)
  })

  it.each([['a NUL', 'x\u0000y'], ['a lone high surrogate', 'x\ud800'], ['a lone low surrogate', '\udc00x']])('[P-2.3a] an id with %s makes the message invalid', (_what, id) => {
    expect(normaliseMessage('events', { id, ts: now, type: 'fall' }, now, SKEW).invalid).toMatch(/^events\.id /)
  })

  it('[P-2.3a] a bad optional field is dropped and named; a surrogate pair is well-formed', () => {
    const n = normaliseMessage('events', { id: 'e1', ts: now, type: 'fall', location: 'bath\u0000room', note: '😀', extra: { deep: ['ok', 'b\ud800'] } }, now, SKEW)
    expect(n.invalid).toBeNull()
    expect(n.message).toEqual({ id: 'e1', ts: now, type: 'fall', note: '😀' })
    expect(n.dropped).toEqual(['events.location contains a NUL character', 'events.extra is not well-formed Unicode (a lone UTF-16 surrogate)'])
  })

  it('[P-2.3a] a cancel whose ref is bad is invalid; another event\'s bad ref is only dropped', () => {
    expect(normaliseMessage('events', { id: 'c1', ts: now, type: 'cancel', ref: 'e\u0000' }, now, SKEW).invalid).toMatch(/^events\.ref /)
    expect(normaliseMessage('events', { id: 'f1', ts: now, type: 'fall', ref: 'e\u0000' }, now, SKEW).dropped).toHaveLength(1)
  })
})
