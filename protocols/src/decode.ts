/**
 * The pure decode → validate path for one upstream device message. Every input
 * yields either an accepted message or a coded rejection; it never throws.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { DeviceErrorCode } from './errors.ts'
import { UPSTREAM_SCHEMAS, type UpstreamMessages } from './messages.ts'
import { rtcSignalRule } from './rtc.ts'
import type { UpstreamKind } from './topics.ts'

/** [P-2.1] Largest payload the gateway accepts, in bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024
/** [P-2.1] Broker packet limit, in bytes: a larger packet closes the connection. */
export const MAX_PACKET_BYTES = 256 * 1024

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true })
const validators = Object.fromEntries(
  Object.entries(UPSTREAM_SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)])
) as { [K in UpstreamKind]: ValidateFunction<UpstreamMessages[K]> }

export type DecodeResult<K extends UpstreamKind> =
  | { ok: true, message: UpstreamMessages[K] }
  | { ok: false, code: DeviceErrorCode, message: string, ref: string | null }

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function decodeUpstream<K extends UpstreamKind> (kind: K, payload: Uint8Array): DecodeResult<K> {
  // [P-2.1] size before anything else: nothing above the limit is parsed.
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return { ok: false, code: 'too_large', message: `payload is ${payload.byteLength} bytes; the limit is ${MAX_PAYLOAD_BYTES} bytes`, ref: null }
  }
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(payload))
  } catch (err) {
    return { ok: false, code: 'invalid_json', message: `payload is not UTF-8 JSON: ${(err as Error).message}`, ref: null }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: 'invalid_payload', message: `${kind} payload must be a JSON object`, ref: null }
  }
  const ref = readRef(value)
  const validate = validators[kind]
  if (!validate(value)) {
    const { code, message } = describe(kind, validate.errors ?? [], value)
    return { ok: false, code, message, ref }
  }
  // Rules a JSON Schema cannot say clearly enough for a device maker to act on.
  const broken = checkRules(kind, value)
  if (broken) return { ok: false, code: 'invalid_payload', message: broken, ref }
  return { ok: true, message: value }
}

/** Cross-field rules of §3; returns the sentence to answer with, or null when the message keeps them. */
function checkRules<K extends UpstreamKind> (kind: K, value: UpstreamMessages[K]): string | null {
  if (kind === 'telemetry' && !hasReading(value as UpstreamMessages['telemetry'])) {
    // [P-3.1] all groups are optional, but a message must carry at least one reading
    return 'telemetry must carry at least one reading'
  }
  if (kind === 'events') {
    const e = value as UpstreamMessages['events']
    // [P-3.2] a cancel names the earlier event it cancels
    if (e.type === 'cancel' && e.ref === undefined) return 'events.ref is required when type is "cancel" (the id of the event being cancelled)'
  }
  if (kind === 'rtc/up') return rtcSignalRule(value as UpstreamMessages['rtc/up'])
  return null
}

function readRef (value: object): string | null {
  const id = (value as { id?: unknown }).id
  return typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : null
}

const RANGE_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'])

/** Turns Ajv's first error into the contract's code and a sentence a device maker can act on. */
function describe (kind: UpstreamKind, errors: ErrorObject[], value: object): { code: DeviceErrorCode, message: string } {
  // Re-validate with all errors to classify precisely: a union reports its branches' errors.
  const all = allErrors(kind, value)
  const list = all.length > 0 ? all : errors
  const path = (e: ErrorObject): string => `${kind}${e.instancePath.replaceAll('/', '.')}`
  const typeError = list.find((e) => e.instancePath === '/type' && (e.keyword === 'const' || e.keyword === 'anyOf' || e.keyword === 'enum'))
  if (typeError && typeof (value as { type?: unknown }).type === 'string') {
    const allowed = list.filter((e) => e.instancePath === '/type' && e.keyword === 'const').map((e) => (e.params as { allowedValue: string }).allowedValue)
    return { code: 'unknown_type', message: `${kind}.type "${String((value as { type: string }).type)}" is not one of ${allowed.join(', ')}` }
  }
  const range = list.find((e) => RANGE_KEYWORDS.has(e.keyword) && e.instancePath !== '/ts' && !e.instancePath.endsWith('/ts'))
  if (range) {
    return { code: 'out_of_range', message: `${path(range)} ${range.message ?? 'is out of range'}` }
  }
  const first = list.find((e) => e.keyword !== 'anyOf') ?? list[0]
  if (!first) return { code: 'invalid_payload', message: `${kind} payload is invalid` }
  const extra = first.keyword === 'additionalProperties' ? ` ("${(first.params as { additionalProperty: string }).additionalProperty}")` : ''
  const where = first.instancePath === '' ? kind : path(first)
  return { code: 'invalid_payload', message: `${where} ${first.message ?? 'is invalid'}${extra}` }
}

const ajvAll = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true })
const allValidators = Object.fromEntries(
  Object.entries(UPSTREAM_SCHEMAS).map(([kind, schema]) => [kind, ajvAll.compile(schema)])
) as Record<UpstreamKind, ValidateFunction>

function allErrors (kind: UpstreamKind, value: unknown): ErrorObject[] {
  const v = allValidators[kind]
  v(value)
  return v.errors ?? []
}

/** [P-3.1] A telemetry message must carry at least one reading. */
export function hasReading (t: UpstreamMessages['telemetry']): boolean {
  const samples = 'samples' in t ? t.samples : [t]
  return samples.some((s) => {
    const g = s as Record<string, unknown>
    return ['vitals', 'bed', 'activity', 'geo'].some((k) => g[k] !== undefined && Object.keys(g[k] as object).length > 0)
  })
}
