/**
 * `replay FILE`: re-publishes a recording with its original timing divided by `speed`
 * (or as fast as possible), as the devices themselves: each recorded device id is mapped
 * to provisioned credentials, and each device's messages are sent one after the other
 * (QoS 1 waits for the PUBACK), so per-device order is kept whatever the speed.
 * What the gateway refuses comes back on `errors` [P-3.7] and is reported.
 */
import type { DeviceErrorMessage, UpstreamKind } from '@eldercare/protocols'
import { allDevices, type CredentialsFile } from './credentials.ts'
import type { Stats } from './progress.ts'
import type { ReplayItem } from './recording.ts'
import { SimDevice } from './sim-device.ts'
import { inBatches } from './provision.ts'

export interface ReplayOptions {
  items: ReplayItem[]
  creds: CredentialsFile
  /** credentials the recording was made with: maps its device ids by key onto `creds` */
  fromCreds?: CredentialsFile
  /** 1 = original timing, 10 = ten times faster; Infinity = as fast as possible */
  speed: number
  /** keep the recorded `ts`; default: shift every `ts` by the time between recording and replay */
  keepTs?: boolean
  /** appended to every message id (and `ref`), to replay again into the same platform ([P-2.4] would drop repeats) */
  idSuffix?: string
  stats: Stats
  /** how long to wait for late `errors` answers after the last message, in ms. Default 1000. */
  settleMs?: number
}

export interface ReplayReport {
  sent: number
  /** per recorded device id: messages with no credentials to send them */
  unmapped: Record<string, number>
  /** gateway answers on `errors`, by code */
  refused: Record<string, number>
  refusedMessages: Array<{ deviceId: string, error: DeviceErrorMessage }>
  failed: number
  /** the order in which each device's messages were sent: device id → recorded ids */
  order: Record<string, string[]>
}

/** Recorded device id → provisioned device (same id, or same key in `fromCreds`). */
export function deviceMap (items: ReplayItem[], creds: CredentialsFile, fromCreds?: CredentialsFile): Map<string, ReturnType<typeof allDevices>[number]> {
  const byId = new Map(allDevices(creds).map((d) => [d.id, d]))
  const byKey = new Map(allDevices(creds).map((d) => [d.key, d]))
  const oldKey = new Map(fromCreds ? allDevices(fromCreds).map((d) => [d.id, d.key]) : [])
  const map = new Map<string, ReturnType<typeof allDevices>[number]>()
  for (const { deviceId } of items) {
    if (map.has(deviceId)) continue
    const key = oldKey.get(deviceId)
    const hit = (key !== undefined ? byKey.get(key) : undefined) ?? byId.get(deviceId)
    if (hit) map.set(deviceId, hit)
  }
  return map
}

export async function replay (o: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { sent: 0, unmapped: {}, refused: {}, refusedMessages: [], failed: 0, order: {} }
  if (o.items.length === 0) return report
  const map = deviceMap(o.items, o.creds, o.fromCreds)
  const t0 = o.items[0].t
  const wallStart = Date.now()
  const shift = wallStart - t0
  // one connection per direct device; a child's messages go through its hub [P-1.5]
  const sims = new Map<string, SimDevice>()
  for (const d of map.values()) {
    const direct = d.parent ? d.site.devices.find((h) => h.key === d.parent)! : d
    if (sims.has(direct.id)) continue
    sims.set(direct.id, new SimDevice({
      url: o.creds.mqttUrl, credentials: { id: direct.id, secret: direct.secret, type: direct.type },
      children: d.site.devices.filter((c) => c.parent === direct.key).map((c) => c.id),
      onSend: () => { o.stats.sent++ },
      onError: (error) => { o.stats.refuse(error.code); report.refused[error.code] = (report.refused[error.code] ?? 0) + 1; report.refusedMessages.push({ deviceId: direct.id, error }) }
    }))
  }
  try {
    // a few at a time: thousands of simultaneous CONNECTs look like a reconnect storm to a broker
    await inBatches([...sims.values()].map((s) => async () => { await s.connect(); o.stats.connected++; o.stats.connects++ }), 50)
    const chains = new Map<string, Promise<void>>()
    for (const item of o.items) {
      const target = map.get(item.deviceId)
      if (!target) { report.unmapped[item.deviceId] = (report.unmapped[item.deviceId] ?? 0) + 1; continue }
      const sim = sims.get(target.parent ? target.site.devices.find((h) => h.key === target.parent)!.id : target.id)!
      const due = Number.isFinite(o.speed) ? wallStart + (item.t - t0) / o.speed : 0
      const body = rewrite(item, o.keepTs ? 0 : shift, o.idSuffix)
      const recordedId = typeof (item.payload as { id?: unknown })?.id === 'string' ? (item.payload as { id: string }).id : `line ${item.line}`
      // each device's messages form a chain: the next one waits for the previous PUBACK
      const prev = chains.get(target.id) ?? Promise.resolve()
      const next = prev.then(async () => {
        const wait = due - Date.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        ;(report.order[target.id] ??= []).push(recordedId)
        try {
          await sim.publishAs(target.id, item.kind as UpstreamKind, body, item.qos === 0 ? 0 : 1, item.retain)
          report.sent++
          if (item.qos > 0) o.stats.acked++
        } catch {
          report.failed++
          o.stats.errors++
        }
      })
      chains.set(target.id, next)
    }
    await Promise.all(chains.values())
    await new Promise((r) => setTimeout(r, o.settleMs ?? 1000))
  } finally {
    await Promise.all([...sims.values()].map((s) => s.close().catch(() => {})))
    o.stats.connected = 0
  }
  return report
}

/** The payload to send: `ts` shifted to now (unless kept), ids suffixed when asked. */
function rewrite (item: ReplayItem, shiftMs: number, idSuffix?: string): unknown {
  if (item.payload === undefined) return Buffer.from(item.payloadBase64!, 'base64').toString('utf8')
  const p = structuredClone(item.payload) as Record<string, any>
  if (p && typeof p === 'object') {
    if (typeof p.ts === 'number') p.ts += shiftMs
    if (Array.isArray(p.samples)) for (const s of p.samples) if (typeof s?.ts === 'number') s.ts += shiftMs
    if (idSuffix) {
      if (typeof p.id === 'string') p.id = `${p.id}${idSuffix}`.slice(0, 64)
      if (typeof p.ref === 'string') p.ref = `${p.ref}${idSuffix}`.slice(0, 64)
    }
  }
  return p
}
