/**
 * Recordings: NDJSON, one device message per line, as `record` writes them and `replay`
 * reads them:
 *
 *   {"t":1763800000123,"topic":"care/v1/devices/sim-h0001-fall/events","qos":1,"retain":false,
 *    "payload":{"id":"e-…","ts":1763800000100,"type":"fall"}}
 *
 * `t` is the receive time (epoch ms). A payload that is not JSON is kept as
 * `"payloadBase64"` instead of `"payload"`, so nothing received is lost.
 */
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { isUpstreamKind, parseDeviceTopic, type UpstreamKind } from '@eldercare/protocols'
import { SimError, inputError } from './errors.ts'

export interface RecordedMessage {
  /** receive time, epoch ms */
  t: number
  topic: string
  qos: 0 | 1 | 2
  retain: boolean
  payload?: unknown
  payloadBase64?: string
}

export interface ReplayItem extends RecordedMessage { line: number, deviceId: string, kind: UpstreamKind }

export function recordLine (topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean, t: number): string {
  let body: Pick<RecordedMessage, 'payload' | 'payloadBase64'>
  try { body = { payload: JSON.parse(payload.toString('utf8')) } } catch { body = { payloadBase64: payload.toString('base64') } }
  return JSON.stringify({ t, topic, qos, retain, ...body }) + '\n'
}

/** Validates one line of a recording; errors name the file, line and field. */
export function parseRecordingLine (file: string, line: number, text: string): ReplayItem | null {
  if (text.trim() === '') return null
  const fail = (field: string | null, problem: string) => inputError('SIM_ERR_RECORDING', file, line, field, problem)
  let o: any
  try { o = JSON.parse(text) } catch (err) { throw fail(null, `not JSON (${(err as Error).message})`) }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw fail(null, 'each line must be a JSON object')
  if (typeof o.t !== 'number' || !Number.isFinite(o.t) || o.t < 0) throw fail('t', `must be the receive time in epoch ms, got ${JSON.stringify(o.t)}`)
  if (typeof o.topic !== 'string') throw fail('topic', 'is required (a device topic)')
  const parsed = parseDeviceTopic(o.topic)
  if (!parsed || !isUpstreamKind(parsed.kind)) throw fail('topic', `"${o.topic}" is not a device → gateway topic of protocol v1`)
  if (o.qos !== 0 && o.qos !== 1 && o.qos !== 2) throw fail('qos', `must be 0, 1 or 2, got ${JSON.stringify(o.qos)}`)
  if (typeof o.retain !== 'boolean') throw fail('retain', `must be true or false, got ${JSON.stringify(o.retain)}`)
  if (o.payload === undefined && typeof o.payloadBase64 !== 'string') throw fail('payload', 'is required (or payloadBase64)')
  return { t: o.t, topic: o.topic, qos: o.qos, retain: o.retain, payload: o.payload, payloadBase64: o.payloadBase64, line, deviceId: parsed.deviceId, kind: parsed.kind }
}

/** Reads and validates a whole recording (every line is checked before anything is sent). */
export async function readRecording (file: string): Promise<ReplayItem[]> {
  const items: ReplayItem[] = []
  const stream = createReadStream(file, 'utf8')
  const opened = new Promise<void>((resolve, reject) => { stream.once('open', () => resolve()); stream.once('error', reject) })
  try { await opened } catch (err) {
    throw new SimError('SIM_ERR_RECORDING', `${file}: cannot read (${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message})`)
  }
  let n = 0
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    const item = parseRecordingLine(file, ++n, text)
    if (item) items.push(item)
  }
  return items
}
