/**
 * `load`: N devices sending telemetry at a fixed rate and alarms at a fixed total rate for
 * a duration, open-loop (every message goes out on schedule whatever the replies), while an
 * operator's socket.io connection measures each alarm's end-to-end latency, from just
 * before the device's PUBLISH to the `incident:opened` that names its device and type,
 * in an HDR histogram.
 *
 * An alarm joins an incident still active for the same resident and a compatible type (the
 * platform's correlation groups, `compatibleAlarms`) instead of opening one, so each alarm
 * uses a site and a type whose group is not yet used there in the run nor active on the
 * platform; when none is left, alarms are still sent and counted unmeasured.
 */
import * as hdr from 'hdr-histogram-js'
import { io, type Socket } from 'socket.io-client'
import { compatibleAlarms, type ClientToServerEvents, type EventType, type IncidentDto, type ServerToClientEvents } from '@eldercare/protocols'
import { allDevices, type CredentialsFile } from './credentials.ts'
import { SimError } from './errors.ts'
import { Rng } from './prng.ts'
import type { Stats } from './progress.ts'
import { RestClient } from './rest.ts'
import { SimDevice } from './sim-device.ts'
import { inBatches } from './provision.ts'

export interface LoadOptions {
  creds: CredentialsFile
  httpUrl: string
  username: string
  password: string
  devices: number
  /** telemetry messages per device per second (the gateway allows 20/s sustained [P-4.3]) */
  telemetryRate: number
  /** alarms per second, over the whole fleet */
  alarmRate: number
  durationMs: number
  /** after the last send, how long to wait for outstanding incidents, in ms */
  drainMs: number
  qos: 0 | 1
  seed: number
  stats: Stats
}

export interface LoadReport {
  devices: number
  durationS: number
  connectS: number
  connectsPerS: number
  sent: number
  sentPerS: number
  acked: number
  ackedPerS: number
  alarms: { sent: number, measured: number, opened: number, unmeasured: number, missing: number }
  latencyMs: { p50: number, p90: number, p99: number, max: number, mean: number } | null
  errors: number
  refused: Record<string, number>
}

const ALARM_TYPES: EventType[] = ['fall', 'sos', 'smoke', 'gas', 'water_leak', 'wander', 'door_open', 'inactivity', 'tamper', 'bed_exit']

export async function load (o: LoadOptions): Promise<LoadReport> {
  const fleet = allDevices(o.creds).filter((d) => !d.parent).sort((a, b) => a.id.localeCompare(b.id))
  if (fleet.length < o.devices) throw new SimError('SIM_ERR_ARGS', `--devices ${o.devices}: the credentials file has only ${fleet.length} devices that connect directly; provision more homes`)
  const chosen = fleet.slice(0, o.devices)
  const rng = new Rng(o.seed).fork('load')
  const api = new RestClient(o.httpUrl)
  await api.login(o.username, o.password)

  // alarm types already raised per site, here or in incidents still active: a compatible alarm would join, not open.
  // Per site rather than per resident: the platform may attribute a site device's alarm to the home's resident.
  const used = new Map<string, string[]>()
  const use = (key: string, type: string) => used.set(key, [...(used.get(key) ?? []), type])
  const free = (key: string, type: string) => !(used.get(key) ?? []).some((t) => compatibleAlarms(t, type))
  const active = await api.get<{ items: IncidentDto[] }>('/api/incidents?status=active')
  for (const i of active.items) use(i.siteId, i.type)

  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 })
  const pending = new Map<string, number[]>() // device|type → send start times (performance.now ms)
  const alarms = { sent: 0, measured: 0, opened: 0, unmeasured: 0, missing: 0 }

  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(o.httpUrl, { auth: { token: api.token }, transports: ['websocket'], reconnection: true })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', (err) => reject(new SimError('SIM_ERR_API', `socket.io at ${o.httpUrl}: ${err.message}`)))
  })
  socket.on('incident:opened', (inc) => {
    const key = `${inc.deviceId}|${inc.type}`
    const starts = pending.get(key)
    const start = starts?.shift()
    if (start === undefined) return
    if (starts!.length === 0) pending.delete(key)
    alarms.opened++
    histogram.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000))) // µs
  })

  const sims: SimDevice[] = chosen.map((d) => new SimDevice({
    url: o.creds.mqttUrl, credentials: { id: d.id, secret: d.secret, type: d.type }, keepaliveS: 60,
    onSend: () => { o.stats.sent++ },
    onError: (e) => { o.stats.refuse(e.code) }
  }))
  const timers: NodeJS.Timeout[] = []
  try {
    const connectStart = performance.now()
    await inBatches(sims.map((s) => async () => {
      try { await s.connect(); o.stats.connected++; o.stats.connects++ } catch { o.stats.errors++ }
    }), 50)
    const connectS = (performance.now() - connectStart) / 1000
    const live = sims.filter((s) => s.connected)

    const send = (s: SimDevice, kind: 'telemetry' | 'events', body: Record<string, unknown>, qos: 0 | 1) =>
      s.publish(kind, { id: s.nextId(kind[0]), ts: Date.now(), ...body }, qos).then(() => { if (qos > 0) o.stats.acked++ }, () => { o.stats.errors++ })

    const runStart = performance.now()
    const sentBefore = o.stats.sent
    const ackedBefore = o.stats.acked
    // telemetry: each device on its own fixed schedule, phases spread over one period
    if (o.telemetryRate > 0) {
      const periodMs = 1000 / o.telemetryRate
      for (const s of live) {
        const start = setTimeout(() => {
          const tick = () => { void send(s, 'telemetry', { vitals: { hr: rng.int(55, 95), spo2: rng.int(93, 99) } }, o.qos) }
          tick()
          timers.push(setInterval(tick, periodMs))
        }, rng.next() * periodMs)
        timers.push(start)
      }
    }
    // alarms: a fixed total rate, on schedule
    if (o.alarmRate > 0 && live.length > 0) {
      const alarmDevices = chosen.filter((_, i) => sims[i].connected).map((d, i) => ({ d, s: live[i] }))
      const fire = () => {
        const { d, s } = alarmDevices[rng.int(0, alarmDevices.length - 1)]
        const who = d.site.id
        const type = ALARM_TYPES.find((t) => free(who, t))
        alarms.sent++
        if (!type) { alarms.unmeasured++; void send(s, 'events', { type: 'sos' }, 1); return }
        use(who, type)
        alarms.measured++
        const key = `${d.id}|${type}`
        const list = pending.get(key) ?? []
        list.push(performance.now())
        pending.set(key, list)
        void send(s, 'events', { type, confidence: 0.9 }, 1)
      }
      timers.push(setInterval(fire, 1000 / o.alarmRate))
    }
    await new Promise((r) => setTimeout(r, o.durationMs))
    for (const t of timers) { clearTimeout(t); clearInterval(t) }
    const runS = (performance.now() - runStart) / 1000
    const sent = o.stats.sent - sentBefore
    const acked = () => o.stats.acked - ackedBefore
    // wait for the last incidents to arrive, up to drainMs
    const drainUntil = performance.now() + o.drainMs
    while (pending.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50))
    alarms.missing = [...pending.values()].reduce((n, l) => n + l.length, 0)
    const ms = (us: number) => Math.round(us / 10) / 100
    const pct = (q: number) => Math.min(histogram.getValueAtPercentile(q), histogram.maxValue)
    return {
      devices: live.length,
      durationS: Math.round(runS * 100) / 100,
      connectS: Math.round(connectS * 100) / 100,
      connectsPerS: Math.round(live.length / Math.max(connectS, 0.001)),
      sent,
      sentPerS: Math.round(sent / runS),
      acked: acked(),
      ackedPerS: Math.round(acked() / runS),
      alarms,
      latencyMs: histogram.totalCount > 0
        // HDR answers a percentile with its bucket's upper bound, which may lie above the exact maximum
        ? { p50: ms(pct(50)), p90: ms(pct(90)), p99: ms(pct(99)), max: ms(histogram.maxValue), mean: ms(histogram.mean) }
        : null,
      errors: o.stats.errors,
      refused: { ...o.stats.refused }
    }
  } finally {
    for (const t of timers) { clearTimeout(t); clearInterval(t) }
    socket.close()
    await Promise.all(sims.map((s) => s.close().catch(() => {})))
    o.stats.connected = 0
    histogram.destroy()
  }
}

/** The report as an aligned two-column table. */
export function loadTable (r: LoadReport): string {
  const rows: Array<[string, string]> = [
    ['devices connected', String(r.devices)],
    ['connect time', `${r.connectS} s (${r.connectsPerS} connects/s)`],
    ['duration', `${r.durationS} s`],
    ['messages sent', `${r.sent} (${r.sentPerS} msg/s)`],
    ['messages acknowledged', `${r.acked} (${r.ackedPerS} msg/s)`],
    ['alarms sent / measured', `${r.alarms.sent} / ${r.alarms.measured}`],
    ['incidents opened (matched)', String(r.alarms.opened)],
    ['alarms without incident', `${r.alarms.missing}${r.alarms.unmeasured ? ` (+${r.alarms.unmeasured} unmeasured)` : ''}`],
    ['latency p50', r.latencyMs ? `${r.latencyMs.p50} ms` : '–'],
    ['latency p90', r.latencyMs ? `${r.latencyMs.p90} ms` : '–'],
    ['latency p99', r.latencyMs ? `${r.latencyMs.p99} ms` : '–'],
    ['latency max', r.latencyMs ? `${r.latencyMs.max} ms` : '–'],
    ['errors', String(r.errors)],
    ['refused by gateway', Object.entries(r.refused).map(([k, v]) => `${k}=${v}`).join(', ') || '0']
  ]
  const w = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')
}
