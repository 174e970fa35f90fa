/**
 * Conformance: the checks a device maker runs against their firmware's output, and the
 * format of the vectors in `protocols/conformance/*.json`. Pure code: the CLI
 * (`protocols/conformance/check.ts`) and the tests do the reading of files.
 */
import { decodeUpstream, type DroppedField } from './decode.ts'
import type { DeviceErrorCode } from './errors.ts'
import { isUpstreamKind, parseDeviceTopic, type UpstreamKind } from './topics.ts'

/**
 * What the gateway would do with one message: accept it (minus the `dropped` fields, each
 * answered on `errors`; at the receive time when `tsUsable` is false [P-2.3]), or answer
 * this code on `errors`.
 */
export type Verdict =
  | { ok: true, kind: UpstreamKind, deviceId: string, dropped: DroppedField[], tsUsable: boolean }
  | { ok: false, code: DeviceErrorCode, message: string, ref: string | null }

/**
 * Judges one device → gateway message the way the gateway does, minus what needs a live
 * session (which device is connected, rate, duplicates, clock): topic shape [P-2.5], then
 * size, JSON and schema [P-2.1][P-3.x].
 */
export function checkDeviceMessage (topic: string, payload: Uint8Array): Verdict {
  const parsed = parseDeviceTopic(topic)
  if (!parsed || !isUpstreamKind(parsed.kind)) {
    return { ok: false, code: 'unauthorized_topic', message: `"${topic}" is not a topic a device may publish on (care/v1/devices/{id}/telemetry|events|intercom|status|commands/ack|rtc/up)`, ref: null }
  }
  const r = decodeUpstream(parsed.kind, payload)
  if (!r.ok) return r
  return { ok: true, kind: parsed.kind, deviceId: parsed.deviceId, dropped: r.dropped, tsUsable: r.tsUsable }
}

/** One example message with the outcome the contract demands. */
export interface ConformanceVector {
  name: string
  /** the clause the vector exercises, e.g. "P-3.1" */
  clause?: string
  /** the payload as JSON (serialised with JSON.stringify) … */
  payload?: unknown
  /** … or as exact text … */
  payloadText?: string
  /** … or as exact bytes (for bytes that are not UTF-8) */
  payloadBase64?: string
  /** pad the serialised payload with trailing spaces to this many bytes (size-limit vectors) */
  padToBytes?: number
  /** "accepted", or the error code the gateway answers */
  expect: 'accepted' | DeviceErrorCode
  /**
   * For "accepted": the fields taken out of the message and answered on `errors` [P-2.3a]
   * (e.g. `["location"]`, `["samples[1]"]`); absent means none.
   */
  dropped?: string[]
  /** For "accepted": false when the alarm is recorded at the receive time, its `ts` unusable [P-2.3]; absent means true. */
  tsUsable?: boolean
}

/** One file of vectors: all for one topic kind. */
export interface ConformanceFile {
  kind: UpstreamKind
  description: string
  vectors: ConformanceVector[]
}

// Browser-safe (the dashboard imports protocols/ too): no Buffer here.
const utf8 = new TextEncoder()

/** The bytes a vector stands for. */
export function vectorPayload (v: ConformanceVector): Uint8Array {
  let bytes: Uint8Array
  if (v.payloadBase64 !== undefined) bytes = Uint8Array.from(atob(v.payloadBase64), (c) => c.charCodeAt(0))
  else if (v.payloadText !== undefined) bytes = utf8.encode(v.payloadText)
  else bytes = utf8.encode(JSON.stringify(v.payload))
  if (v.padToBytes !== undefined && v.padToBytes > bytes.length) {
    const padded = new Uint8Array(v.padToBytes).fill(0x20) // JSON allows trailing whitespace
    padded.set(bytes)
    bytes = padded
  }
  return bytes
}

/** Runs one vector; returns null when the outcome is the expected one, else what happened instead. */
export function runVector (kind: UpstreamKind, v: ConformanceVector, deviceId = 'conformance-01'): string | null {
  const verdict = checkDeviceMessage(`care/v1/devices/${deviceId}/${kind}`, vectorPayload(v))
  const got = verdict.ok ? 'accepted' : verdict.code
  if (got !== v.expect) return `expected ${v.expect}, got ${got}${verdict.ok ? '' : `: ${verdict.message}`}`
  if (!verdict.ok) return null
  const dropped = verdict.dropped.map((d) => d.field).join(', ')
  if (dropped !== (v.dropped ?? []).join(', ')) return `expected dropped [${(v.dropped ?? []).join(', ')}], got [${dropped}]`
  if (verdict.tsUsable !== (v.tsUsable ?? true)) return `expected tsUsable ${v.tsUsable ?? true}, got ${verdict.tsUsable}`
  return null
}

/**
 * Reads one captured line: `{"topic":…,"payload":…}` (payload a JSON value, or a string
 * taken as the exact text), or `mosquitto_sub -v` output (`topic payload`).
 */
export function parseCaptureLine (line: string): { topic: string, payload: Uint8Array } | null {
  const text = line.trim()
  if (text === '') return null
  if (text.startsWith('{')) {
    try {
      const rec = JSON.parse(text) as { topic?: unknown, payload?: unknown }
      if (typeof rec.topic === 'string' && 'payload' in rec) {
        const payload = typeof rec.payload === 'string' ? rec.payload : JSON.stringify(rec.payload)
        return { topic: rec.topic, payload: utf8.encode(payload) }
      }
    } catch { /* not a capture record: fall through to `topic payload` */ }
  }
  const space = text.indexOf(' ')
  if (space < 0) return { topic: text, payload: new Uint8Array(0) }
  return { topic: text.slice(0, space), payload: utf8.encode(text.slice(space + 1)) }
}
