/**
 * Property-based tests of the decode → validate path [P-4.2]: random bytes, random JSON and
 * mutations of valid messages all yield an accepted message or a coded rejection, never an
 * exception; and the classification holds for generated readings.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEVICE_ERROR_CODES, MAX_PAYLOAD_BYTES, UPSTREAM_KINDS, decodeUpstream, type UpstreamKind } from '../src/index.ts'
import { loadVectorFiles } from '../conformance/check.ts'

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v))
const CODES = new Set<string>(DEVICE_ERROR_CODES)
const kindArb = fc.constantFrom(...UPSTREAM_KINDS)

/** The property: a well-formed result, and a rejection carries a contract code and a sentence. */
function wellFormed (kind: UpstreamKind, bytes: Uint8Array): boolean {
  const r = decodeUpstream(kind, bytes)
  if (r.ok) return typeof r.message === 'object' && r.message !== null
  return CODES.has(r.code) && typeof r.message === 'string' && r.message.length > 0 && (r.ref === null || (typeof r.ref === 'string' && [...r.ref].length <= 64))
}

// Valid messages of every kind, from the conformance vectors: the seeds the mutations start from.
const valid = loadVectorFiles().flatMap(({ content }) => content.vectors
  .filter((v) => v.expect === 'accepted' && v.payload !== undefined && v.padToBytes === undefined)
  .map((v) => ({ kind: content.kind, payload: v.payload as Record<string, unknown> })))

/** Replaces, removes or adds one value somewhere in a JSON tree. */
function mutate (value: unknown, path: number[], replacement: unknown, op: number): unknown {
  if (value === null || typeof value !== 'object') return replacement
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value)
  if (entries.length === 0 || path.length === 0) return op === 0 ? replacement : Array.isArray(value) ? [...value, replacement] : { ...value, [`x${op}`]: replacement }
  const [head, ...rest] = path
  const [key, child] = entries[head % entries.length]
  const copy: any = Array.isArray(value) ? [...value] : { ...value }
  if (op === 1 && rest.length === 0) { if (Array.isArray(copy)) copy.splice(Number(key), 1); else delete copy[key]; return copy }
  copy[key] = mutate(child, rest, replacement, op)
  return copy
}

describe('decodeUpstream under random and hostile input [P-4.2]', () => {
  it('random bytes never throw', () => {
    fc.assert(fc.property(kindArb, fc.uint8Array({ maxLength: 512 }), (kind, bytes) => wellFormed(kind, bytes)), { numRuns: 2000 })
  })

  it('random strings never throw', () => {
    fc.assert(fc.property(kindArb, fc.string({ unit: 'binary', maxLength: 256 }), (kind, s) => wellFormed(kind, enc(s))), { numRuns: 1500 })
  })

  it('arbitrary JSON values never throw', () => {
    fc.assert(fc.property(kindArb, fc.jsonValue({ maxDepth: 4 }), (kind, v) => wellFormed(kind, enc(JSON.stringify(v) ?? 'null'))), { numRuns: 2000 })
  })

  it('mutations of valid messages yield an accepted message or a coded rejection, never an exception', () => {
    const replacement = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1e308, -1e308, '', 'x'.repeat(70), '__proto__', null, true, [], {}))
    fc.assert(fc.property(
      fc.constantFrom(...valid), fc.array(fc.nat(), { maxLength: 4 }), replacement, fc.nat(3),
      (seed, path, rep, op) => wellFormed(seed.kind, enc(mutate(seed.payload, path, rep, op)))
    ), { numRuns: 3000 })
  })

  it('prototype-polluting keys are rejected, not obeyed', () => {
    for (const kind of UPSTREAM_KINDS) {
      const r = decodeUpstream(kind, enc('{"__proto__":{"online":true},"constructor":{"prototype":{"x":1}}}'))
      expect(r.ok).toBe(false)
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it('[P-2.1] any payload over 16 KiB is too_large, whatever it holds', () => {
    fc.assert(fc.property(kindArb, fc.integer({ min: 1, max: 2048 }), fc.uint8Array({ maxLength: 64 }), (kind, extra, head) => {
      const bytes = new Uint8Array(MAX_PAYLOAD_BYTES + extra)
      bytes.set(head)
      const r = decodeUpstream(kind, bytes)
      return !r.ok && r.code === 'too_large' && r.ref === null
    }), { numRuns: 300 })
  })

  it('[P-3.1] a heart rate is accepted exactly inside 20–250 and out_of_range outside', () => {
    fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (hr) => {
      const r = decodeUpstream('telemetry', enc({ id: 't', ts: 1763800000000, vitals: { hr } }))
      return hr >= 20 && hr <= 250 ? r.ok : !r.ok && r.code === 'out_of_range' && r.ref === 't'
    }), { numRuns: 1000 })
  })

  it('[P-3.2] an event type outside the contract is unknown_type with the id as ref', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((t) => !['fall', 'sos', 'bed_exit', 'inactivity', 'wander', 'smoke', 'gas', 'water_leak', 'door_open', 'low_battery', 'tamper', 'test', 'cancel'].includes(t)), (type) => {
      const r = decodeUpstream('events', enc({ id: 'e-1', ts: 1763800000000, type }))
      return !r.ok && r.code === 'unknown_type' && r.ref === 'e-1'
    }), { numRuns: 500 })
  })
})
