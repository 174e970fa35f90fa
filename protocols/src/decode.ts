/**
 * The pure decode → validate path for one upstream device message. Every input
 * yields either an accepted message or a coded rejection; it never throws.
 *
 * The result, for the gateway (the one consumer that acts on it):
 *
 * - `{ ok: false, code, message, ref }` — the message is refused: answer `code` on `errors`.
 *   Resending the same bytes cannot make it valid.
 * - `{ ok: true, message, dropped, tsUsable }` — the message is accepted, as `message`:
 *   - `dropped` lists what was taken out of it and why, one entry per field (at most
 *     MAX_DROPPED_LISTED; a last entry with field `*` counts the rest). For an alarm
 *     [P-2.3a] a bad optional field or an unknown field is dropped and the alarm kept; for a
 *     telemetry batch a sample whose `ts` no store holds is dropped and the others kept. The
 *     gateway records `message` and answers each entry's `code` on `errors` naming the field.
 *   - `tsUsable` is false only for an alarm whose `ts` is absurd, missing or not a number
 *     [P-2.3]: `message.ts` then holds the receive time (`opts.now`), and the gateway records
 *     the alarm at its receive time marked `clockSkew`. Absurd numbers are not listed in
 *     `dropped` (a clock matter, shown by `clockSkew`); a missing or non-numeric `ts` is.
 *
 * "Alarm" is [P-4.3]'s word: `events`, `intercom`, `commands/ack`. Their `id`, `type` and the
 * fields the kind cannot do without (`callId`, `ok`, a cancel's `ref`) make the message
 * invalid when bad; everything else is dropped instead.
 *
 * Duplicate keys in a JSON object: the last one wins (JSON.parse), as in most JSON parsers.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { TObject, TSchema } from '@sinclair/typebox'
import type { DeviceErrorCode } from './errors.ts'
import { MAX_TIMESTAMP_MS, TEXT_FORMAT, UPSTREAM_SCHEMAS, isDeviceText, type UpstreamMessages } from './messages.ts'
import { rtcSignalRule } from './rtc.ts'
import type { UpstreamKind } from './topics.ts'

/** [P-2.1] Largest payload the gateway accepts, in bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024
/** [P-2.1] Broker packet limit, in bytes: a larger packet closes the connection. */
export const MAX_PACKET_BYTES = 256 * 1024
/** How many dropped fields a result lists one by one (so a payload of 1,000 unknown keys cannot make 1,000 answers). */
export const MAX_DROPPED_LISTED = 10

/** [P-4.3] The alarm kinds: never refused for their clock or for a bad optional field [P-2.3][P-2.3a]. */
export const ALARM_KINDS: ReadonlySet<UpstreamKind> = new Set<UpstreamKind>(['events', 'intercom', 'commands/ack'])

/** One field taken out of an accepted message, and the answer the gateway gives for it. */
export interface DroppedField {
  /** where, e.g. `location`, `geo`, `samples[3]`; `*` for the count of those not listed */
  field: string
  code: Extract<DeviceErrorCode, 'invalid_payload' | 'out_of_range'>
  /** a sentence a device maker can act on, naming the field */
  message: string
}

export type DecodeResult<K extends UpstreamKind> =
  | { ok: true, message: UpstreamMessages[K], dropped: DroppedField[], tsUsable: boolean }
  | { ok: false, code: DeviceErrorCode, message: string, ref: string | null }

export interface DecodeOptions {
  /** The receive time (epoch ms) an alarm's unusable `ts` is replaced with [P-2.3]. Default Date.now(). */
  now?: number
}

type Rejection = Extract<DecodeResult<UpstreamKind>, { ok: false }>

const TEXT = { type: 'string', validate: isDeviceText } as const
const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true })
ajv.addFormat(TEXT_FORMAT, TEXT)
const ajvAll = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true })
ajvAll.addFormat(TEXT_FORMAT, TEXT)

const validators = Object.fromEntries(
  Object.entries(UPSTREAM_SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)])
) as { [K in UpstreamKind]: ValidateFunction<UpstreamMessages[K]> }
const allValidators = Object.fromEntries(
  Object.entries(UPSTREAM_SCHEMAS).map(([kind, schema]) => [kind, ajvAll.compile(schema)])
) as Record<UpstreamKind, ValidateFunction>

/** Per alarm kind: one validator per field, and the fields the kind cannot do without. */
const alarmFields = Object.fromEntries([...ALARM_KINDS].map((kind) => {
  const schema = UPSTREAM_SCHEMAS[kind] as TObject
  const fields = Object.fromEntries(Object.entries(schema.properties).map(([name, s]) => [name, ajvAll.compile(s as TSchema)]))
  return [kind, { fields, required: new Set<string>(schema.required ?? []) }]
})) as Record<UpstreamKind, { fields: Record<string, ValidateFunction>, required: Set<string> }>

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function decodeUpstream<K extends UpstreamKind> (kind: K, payload: Uint8Array, opts: DecodeOptions = {}): DecodeResult<K> {
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
  if (ALARM_KINDS.has(kind)) return decodeAlarm(kind, value as Record<string, unknown>, ref, opts.now ?? Date.now()) as DecodeResult<K>

  let dropped: DroppedField[] = []
  if (kind === 'telemetry') {
    const cut = dropSamplesOutsideClock(value as Record<string, unknown>, ref)
    if ('ok' in cut) return cut
    value = cut.value
    dropped = cut.dropped
  }
  const validate = validators[kind]
  if (!validate(value)) {
    const { code, message } = describe(kind, allErrors(kind, value), value as object)
    return { ok: false, code, message, ref }
  }
  // Rules a JSON Schema cannot say clearly enough for a device maker to act on.
  const broken = checkRules(kind, value)
  if (broken) return { ok: false, code: 'invalid_payload', message: broken, ref }
  return { ok: true, message: value, dropped: listed(dropped), tsUsable: true }
}

/**
 * [P-3.1][P-2.3] In a batch, a sample dated where no store can hold it is dropped, not the
 * batch: one bad clock reading must not cost the others. When every sample is so dated,
 * the message is refused as out_of_range.
 */
function dropSamplesOutsideClock (value: Record<string, unknown>, ref: string | null): { value: Record<string, unknown>, dropped: DroppedField[] } | Rejection {
  const samples = value.samples
  if (!Array.isArray(samples)) return { value, dropped: [] }
  const dropped: DroppedField[] = []
  const kept = samples.filter((s, i) => {
    const ts = s !== null && typeof s === 'object' ? (s as { ts?: unknown }).ts : undefined
    if (!isIntegerOutsideClock(ts)) return true
    dropped.push({ field: `samples[${i}]`, code: 'out_of_range', message: `telemetry.samples[${i}].ts ${tsText(ts)}; the sample was dropped, the rest of the batch kept` })
    return false
  })
  if (dropped.length === 0) return { value, dropped }
  if (kept.length === 0) return { ok: false, code: 'out_of_range', message: `telemetry: every sample's ts is out of range (${TS_RANGE_TEXT})`, ref }
  return { value: { ...value, samples: kept }, dropped }
}

/**
 * An alarm [P-4.3]: refused only for a bad `id`, `type` or a field the kind cannot do
 * without; a bad `ts` is replaced by the receive time [P-2.3]; any other bad or unknown field
 * is dropped and named [P-2.3a].
 */
function decodeAlarm (kind: UpstreamKind, value: Record<string, unknown>, ref: string | null, now: number): DecodeResult<UpstreamKind> {
  if (validators[kind](value)) {
    const broken = checkRules(kind, value as UpstreamMessages[UpstreamKind])
    if (!broken) return { ok: true, message: value as UpstreamMessages[UpstreamKind], dropped: [], tsUsable: true }
  }
  const { fields, required } = alarmFields[kind]
  const fieldErrors = (name: string): ErrorObject[] => {
    const v = fields[name]
    if (v(value[name])) return []
    return (v.errors ?? []).map((e) => ({ ...e, instancePath: `/${name}${e.instancePath}` }))
  }
  // [P-3.2] a cancel cannot do without the event it cancels
  const isCancel = kind === 'events' && value.type === 'cancel'
  const missing = (name: string): Rejection => ({
    ok: false, code: 'invalid_payload', ref,
    message: isCancel && name === 'ref' ? CANCEL_NEEDS_REF : `${kind}.${name} is required`
  })
  // id, type and the other fields the kind needs: bad makes the message invalid [P-2.3a]
  const needed = [...required, ...(isCancel ? ['ref'] : [])].filter((n) => n !== 'id' && n !== 'type' && n !== 'ts')
  for (const name of ['id', 'type', ...needed]) {
    if (!(name in fields)) continue
    if (value[name] === undefined) return missing(name)
    const errors = fieldErrors(name)
    if (errors.length > 0) return { ok: false, ...describe(kind, errors, value), ref }
  }
  const dropped: DroppedField[] = []
  const message: Record<string, unknown> = {}
  let tsUsable = true
  for (const name of Object.keys(value)) {
    if (!Object.hasOwn(fields, name)) {
      dropped.push({ field: printable(name), code: 'invalid_payload', message: `${kind}.${printable(name)} is not a field of ${kind}; it was dropped and the ${kind} message recorded` })
      continue
    }
    if (name === 'ts') continue
    const errors = fieldErrors(name)
    if (errors.length === 0) message[name] = value[name]
    else dropped.push({ field: name, code: 'invalid_payload', message: `${describe(kind, errors, value).message}; the field was dropped and the ${kind} message recorded` })
  }
  const ts = value.ts
  if (fieldErrors('ts').length === 0) {
    message.ts = ts
  } else {
    // [P-2.3] never refused for its clock: recorded at the receive time
    tsUsable = false
    message.ts = now
    if (typeof ts !== 'number') {
      dropped.push({ field: 'ts', code: 'invalid_payload', message: `${kind}.ts ${ts === undefined ? 'is missing' : 'must be a number'} (milliseconds since the Unix epoch); the message was recorded at the gateway's receive time` })
    }
  }
  const broken = checkRules(kind, message as UpstreamMessages[UpstreamKind])
  if (broken) return { ok: false, code: 'invalid_payload', message: broken, ref }
  // What is left keeps the schema by construction; checked anyway, so no path returns an invalid message.
  if (!validators[kind](message)) return { ok: false, ...describe(kind, allErrors(kind, message), message), ref }
  return { ok: true, message: message as UpstreamMessages[UpstreamKind], dropped: listed(dropped), tsUsable }
}

const CANCEL_NEEDS_REF = 'events.ref is required when type is "cancel" (the id of the event being cancelled)'

/** Cross-field rules of §3; returns the sentence to answer with, or null when the message keeps them. */
function checkRules<K extends UpstreamKind> (kind: K, value: UpstreamMessages[K]): string | null {
  if (kind === 'telemetry' && !hasReading(value as UpstreamMessages['telemetry'])) {
    // [P-3.1] all groups are optional, but a message must carry at least one reading
    return 'telemetry must carry at least one reading'
  }
  if (kind === 'events') {
    const e = value as UpstreamMessages['events']
    // [P-3.2] a cancel names the earlier event it cancels
    if (e.type === 'cancel' && e.ref === undefined) return CANCEL_NEEDS_REF
  }
  if (kind === 'rtc/up') return rtcSignalRule(value as UpstreamMessages['rtc/up'])
  return null
}

/** [P-3.7] The `ref` to answer with: the message's id when it is a valid one, else null. */
function readRef (value: object): string | null {
  const id = (value as { id?: unknown }).id
  if (typeof id !== 'string' || !isDeviceText(id)) return null
  const chars = [...id].length // code points, as the schema's maxLength counts them
  return chars >= 1 && chars <= 64 ? id : null
}

/** Keeps at most MAX_DROPPED_LISTED entries; the last one then counts the rest. */
function listed (dropped: DroppedField[]): DroppedField[] {
  if (dropped.length <= MAX_DROPPED_LISTED) return dropped
  const rest = dropped.length - (MAX_DROPPED_LISTED - 1)
  return [...dropped.slice(0, MAX_DROPPED_LISTED - 1), { field: '*', code: 'invalid_payload', message: `${rest} more fields were dropped` }]
}

/** A device-chosen name, safe to log and to answer: JSON-escaped (no NUL, no lone surrogate) and short. */
function printable (name: string): string {
  const chars = [...JSON.stringify(name)] // by code point: a cut must not split a surrogate pair
  return chars.length <= 42 ? chars.join('') : `${chars.slice(0, 40).join('')}…"`
}

const isIntegerOutsideClock = (ts: unknown): boolean => typeof ts === 'number' && Number.isInteger(ts) && (ts < 0 || ts > MAX_TIMESTAMP_MS)
const TS_RANGE_TEXT = `0 to ${MAX_TIMESTAMP_MS} ms since the Unix epoch, 1970-01-01 to 2262-04-11 UTC`
const tsText = (ts: unknown): string => `${String(ts)} is outside ${TS_RANGE_TEXT}`

/** [P-2.3a] */
const NOT_TEXT_SENTENCE = 'must be well-formed Unicode without NUL characters (it holds a \\u0000 or a lone UTF-16 surrogate)'
const RANGE_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'])
const isTsPath = (p: string): boolean => p === '/ts' || p.endsWith('/ts')

/** Turns Ajv's errors into the contract's code and a sentence a device maker can act on. */
function describe (kind: UpstreamKind, list: ErrorObject[], value: object): { code: DeviceErrorCode, message: string } {
  const path = (e: ErrorObject): string => `${kind}${e.instancePath.replaceAll('/', '.')}`
  const typeError = list.find((e) => e.instancePath === '/type' && (e.keyword === 'const' || e.keyword === 'anyOf' || e.keyword === 'enum'))
  const type = (value as { type?: unknown }).type
  if (typeError && typeof type === 'string' && !isDeviceText(type)) {
    return { code: 'invalid_payload', message: `${kind}.type ${NOT_TEXT_SENTENCE}` }
  }
  if (typeError && typeof type === 'string') {
    const allowed = list.filter((e) => e.instancePath === '/type' && e.keyword === 'const').map((e) => (e.params as { allowedValue: string }).allowedValue)
    return { code: 'unknown_type', message: `${kind}.type ${printable(type)} is not one of ${allowed.join(', ')}` }
  }
  const range = list.find((e) => RANGE_KEYWORDS.has(e.keyword))
  if (range) {
    // [P-2.3] a time no store holds; [P-3.1] a reading outside its valid range
    const message = isTsPath(range.instancePath) ? `${path(range)} ${tsText(at(value, range.instancePath))}` : `${path(range)} ${range.message ?? 'is out of range'}`
    return { code: 'out_of_range', message }
  }
  const first = list.find((e) => e.keyword !== 'anyOf') ?? list[0]
  if (!first) return { code: 'invalid_payload', message: `${kind} payload is invalid` }
  const where = first.instancePath === '' ? kind : path(first)
  if (first.keyword === 'format' && (first.params as { format: string }).format === TEXT_FORMAT) {
    // [P-2.3a]
    return { code: 'invalid_payload', message: `${where} ${NOT_TEXT_SENTENCE}` }
  }
  const extra = first.keyword === 'additionalProperties' ? ` (${printable((first.params as { additionalProperty: string }).additionalProperty)})` : ''
  return { code: 'invalid_payload', message: `${where} ${first.message ?? 'is invalid'}${extra}` }
}

/** The value at a JSON pointer (Ajv's instancePath) inside `value`, or undefined. */
function at (value: unknown, pointer: string): unknown {
  let v = value
  for (const raw of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    v = Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined
  }
  return v
}

/** All of a message's errors, to classify precisely: a union reports its branches' errors. */
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
