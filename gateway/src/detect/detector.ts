/**
 * Detection where data arrives (ARCHITECTURE.md): rules over readings, device status and the
 * clock raise *derived alarms* into the same durable inbox as device events (kind 'derived',
 * type = rule name), so the incident engine treats them alike.
 *
 * - One active alarm per subject (resident, or device for device-health rules) and rule: a repeat
 *   updates the episode in the rule state; only a new episode — or a rise in severity — is a new
 *   inbox row. msg_id = `derived:<rule>:<subject>:<episode start ms>`, so re-raising an episode
 *   (e.g. after a restart) is idempotent.
 * - Reading rules (thresholds with duration, NEWS2, activity and bed memory) run as readings
 *   arrive, on the readings' own time; time-based rules (inactivity, bed exit not back, no data,
 *   device offline, missed test) run on a scheduler tick with the injected clock.
 */
import type { Logger } from 'pino'
import {
  effectiveDetectionSettings, inLocalWindow, localMinutes, clockMinutes, news2, NEWS2_PARAMETERS,
  type DerivedAlarmPayload, type DerivedRule, type DerivedSeverity, type DetectionOverrides, type DetectionSettings,
  type News2Readings, type ReadingField
} from '@eldercare/protocols'
import type { DeviceOwner, GatewayStore, Sql } from '../store.ts'
import type { InboxNotice } from '../types/events.ts'
import { DetectionStateStore, type RuleState } from './state.ts'

export interface DetectorOptions {
  /** Clock in epoch ms; injected by tests. Default Date.now. */
  now?: () => number
  /** How often the time-based rules run, in ms. Default 30000; 0 = never (tests call tick()). */
  tickIntervalMs?: number
  /** Device types whose being offline is an alarm [P-1.6]. Default fall_detector, sos_button, intercom. */
  offlineAlarmDeviceTypes?: string[]
  /** A gap in readings longer than this restarts a threshold's duration, in ms. Default 300000 (5 min). */
  thresholdMaxGapMs?: number
}

export const DETECTOR_DEFAULTS = {
  tickIntervalMs: 30_000,
  offlineAlarmDeviceTypes: ['fall_detector', 'sos_button', 'intercom'],
  thresholdMaxGapMs: 300_000
}

/** One sample as the rules see it. */
export interface Sample { ts: number, fields: Partial<Record<ReadingField, number>> }

type ThresholdRule = 'hr_high' | 'hr_low' | 'spo2_low' | 'temp_high'
/** Vital, direction, and the value beyond which the alarm is 'high' severity rather than 'medium'. */
const THRESHOLDS: Record<ThresholdRule, { vital: 'hr' | 'spo2' | 'temp', above: boolean, critical: number }> = {
  hr_high: { vital: 'hr', above: true, critical: 150 },
  hr_low: { vital: 'hr', above: false, critical: 30 },
  spo2_low: { vital: 'spo2', above: false, critical: 85 },
  temp_high: { vital: 'temp', above: true, critical: 40 }
}
const RANK: Record<DerivedSeverity, number> = { low: 0, medium: 1, high: 2 }
/** Devices that best carry resident-level activity alarms. */
const ACTIVITY_DEVICE_TYPES = ['motion_sensor', 'bed_sensor', 'wearable']

export class Detector {
  readonly state: DetectionStateStore
  private readonly now: () => number
  private readonly opts: typeof DETECTOR_DEFAULTS & { tickIntervalMs: number }
  private settings = new Map<string, DetectionOverrides>()
  /** effective settings per resident, computed once per reload (readings arrive many times a second) */
  private readonly effective = new Map<string, DetectionSettings>()
  private timer?: NodeJS.Timeout
  private ticking: Promise<void> | null = null
  private readonly pending = new Set<Promise<void>>()

  constructor (
    private readonly sql: Sql,
    private readonly store: GatewayStore,
    private readonly log: Logger,
    private readonly notify: (n: InboxNotice) => void,
    opts: DetectorOptions = {}
  ) {
    this.now = opts.now ?? Date.now
    this.opts = { ...DETECTOR_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => v !== undefined && k !== 'now')) }
    this.state = new DetectionStateStore(sql)
  }

  async start (): Promise<void> {
    const n = await this.state.load()
    await this.reloadSettings()
    this.log.info({ states: n }, 'detection state loaded')
    if (this.opts.tickIntervalMs > 0) {
      this.timer = setInterval(() => { void this.tick() }, this.opts.tickIntervalMs)
      this.timer.unref()
    }
  }

  /** Resolves when every inbox write started so far has finished (tests; shutdown). */
  async settled (): Promise<void> {
    await this.ticking
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.settled()
    await this.state.flush(this.now()).catch((err) => this.log.warn({ err }, 'detection state not saved at shutdown'))
  }

  /** Re-reads one resident's overrides (after a change through the API), or all. */
  async reloadSettings (residentId?: string): Promise<void> {
    if (residentId) {
      const { rows } = await this.sql.query<{ overrides: DetectionOverrides }>('select overrides from detection_settings where resident_id = $1', [residentId])
      if (rows[0]) this.settings.set(residentId, parse(rows[0].overrides))
      else this.settings.delete(residentId)
      this.effective.delete(residentId)
      return
    }
    const { rows } = await this.sql.query<{ resident_id: string, overrides: DetectionOverrides }>('select resident_id, overrides from detection_settings')
    this.settings = new Map(rows.map((r) => [r.resident_id, parse(r.overrides)]))
    this.effective.clear()
  }

  settingsFor (residentId: string | null): DetectionSettings {
    const id = residentId ?? ''
    let s = this.effective.get(id)
    if (!s) { s = effectiveDetectionSettings(residentId ? this.settings.get(residentId) : undefined); this.effective.set(id, s) }
    return s
  }

  // ── reading rules ───────────────────────────────────────────────────────

  /** Readings of one device, oldest first. Runs synchronously on the rule state; inbox writes follow. */
  onSamples (owner: DeviceOwner, samples: Sample[]): void {
    const residentId = owner.residentId
    if (!residentId || samples.length === 0) return
    const cfg = this.settingsFor(residentId)
    const sorted = [...samples].sort((a, b) => a.ts - b.ts)
    const n2 = this.state.get(residentId, 'news2')
    const activity = this.state.get(residentId, 'inactivity')
    const bed = this.state.get(residentId, 'bed_exit_not_back')
    for (const s of sorted) {
      for (const rule of Object.keys(THRESHOLDS) as ThresholdRule[]) {
        const v = s.fields[THRESHOLDS[rule].vital]
        if (v !== undefined) this.threshold(rule, cfg, owner, s.ts, v)
      }
      for (const p of NEWS2_PARAMETERS) {
        const v = s.fields[p]
        if (v !== undefined && !(n2.mem[p]?.at > s.ts)) n2.mem[p] = { value: v, at: s.ts }
      }
      // activity: motion, or any bed movement
      if ((s.fields.motion ?? 0) > 0 || (s.fields.bed_movement ?? 0) > 0) {
        if (!(activity.mem.lastActivity >= s.ts)) activity.mem.lastActivity = s.ts
        activity.mem.deviceId = owner.deviceId
        this.state.touch(residentId, 'inactivity')
        if (activity.active) this.clear('inactivity', residentId, activity, s.ts)
      }
      if (s.fields.bed_occupied !== undefined) this.bedOccupancy(cfg, owner, bed, s.ts, s.fields.bed_occupied > 0)
    }
    const last = sorted[sorted.length - 1]!.ts
    if (sorted.some((s) => NEWS2_PARAMETERS.some((p) => s.fields[p] !== undefined))) {
      this.state.touch(residentId, 'news2')
      this.scoreNews2(cfg, owner, n2, last)
    }
  }

  private threshold (rule: ThresholdRule, cfg: DetectionSettings, owner: DeviceOwner, ts: number, value: number): void {
    const residentId = owner.residentId!
    const c = cfg[rule]
    const t = THRESHOLDS[rule]
    const st = this.state.get(residentId, rule)
    const holds = c.enabled && (t.above ? (rule === 'temp_high' ? value >= c.value : value > c.value) : value < c.value)
    if (!holds) {
      if (st.mem.since !== undefined) { st.mem = {}; this.state.touch(residentId, rule) }
      if (st.active) this.clear(rule, residentId, st, ts)
      return
    }
    if (st.mem.since === undefined || ts - (st.mem.lastTs ?? ts) > this.opts.thresholdMaxGapMs) st.mem.since = ts
    st.mem.lastTs = ts
    this.state.touch(residentId, rule)
    const heldMs = ts - st.mem.since
    if (heldMs < c.durationMs) return
    const severity: DerivedSeverity = (t.above ? value >= t.critical : value <= t.critical) ? 'high' : 'medium'
    this.raise(rule, residentId, residentId, owner.deviceId, severity, ts, { vital: t.vital, value, threshold: c.value, durationMs: heldMs })
  }

  private scoreNews2 (cfg: DetectionSettings, owner: DeviceOwner, st: RuleState, ref: number): void {
    const residentId = owner.residentId!
    if (!cfg.news2.enabled) { if (st.active) this.clear('news2', residentId, st, ref); return }
    const readings: News2Readings = {}
    for (const p of NEWS2_PARAMETERS) {
      const r = st.mem[p] as { value: number, at: number } | undefined
      if (r && ref - r.at <= cfg.news2.windowMs) readings[p] = r.value
    }
    if (Object.keys(readings).length < cfg.news2.minParameters) return
    const result = news2(readings)
    if (!result.severity) { if (st.active) this.clear('news2', residentId, st, ref); return }
    this.raise('news2', residentId, residentId, owner.deviceId, result.severity, ref,
      { score: result.score, risk: result.risk, parameters: result.parameters, missing: result.missing, consciousness: 'assumed_alert' })
  }

  private bedOccupancy (cfg: DetectionSettings, owner: DeviceOwner, st: RuleState, ts: number, occupied: boolean): void {
    const residentId = owner.residentId!
    const c = cfg.bed_exit_not_back
    const was = st.mem.occupied as boolean | undefined
    st.mem.occupied = occupied
    st.mem.deviceId = owner.deviceId
    if (occupied) {
      delete st.mem.exitAt
      if (st.active) this.clear('bed_exit_not_back', residentId, st, ts)
    } else if (was === true && c.enabled && inLocalWindow(localMinutes(ts, cfg.timeZone), c.nightStart, c.nightEnd)) {
      st.mem.exitAt = ts
    }
    this.state.touch(residentId, 'bed_exit_not_back')
  }

  // ── device status ───────────────────────────────────────────────────────

  /** [P-3.4] battery from status, or a `low_battery` event [P-3.2] (percent null). */
  onBattery (owner: DeviceOwner, percent: number | null, at: number): void {
    const c = this.settingsFor(owner.residentId).low_battery
    const st = this.state.get(owner.deviceId, 'low_battery')
    if (percent === null || (c.enabled && percent < c.belowPercent)) {
      if (!c.enabled) return
      this.raise('low_battery', owner.deviceId, owner.residentId, owner.deviceId, 'low', at,
        percent === null ? { source: 'event' } : { source: 'status', battery: percent, threshold: c.belowPercent })
    } else if (st.active && (percent >= c.clearAbovePercent || !c.enabled)) {
      this.clear('low_battery', owner.deviceId, st, at)
    }
  }

  // ── time-based rules ────────────────────────────────────────────────────

  /** Runs the time-based rules at the clock's now and saves changed state. Passes never overlap. */
  tick (): Promise<void> {
    if (this.ticking) return this.ticking
    this.ticking = this.runTick().catch((err) => { this.log.error({ err }, 'detection tick failed; will run again') })
      .finally(() => { this.ticking = null })
    return this.ticking
  }

  private async runTick (): Promise<void> {
    const now = this.now()
    await this.reloadSettings()
    await this.inactivity(now)
    this.bedNotBack(now)
    await this.noData(now)
    await this.deviceOffline(now)
    await this.missedTest(now)
    await this.state.flush(now)
  }

  private async inactivity (now: number): Promise<void> {
    for (const [residentId, st] of this.state.all('inactivity')) {
      const c = this.settingsFor(residentId).inactivity
      const last = st.mem.lastActivity as number | undefined
      if (last === undefined) continue
      if (!c.enabled) { if (st.active) this.clear('inactivity', residentId, st, now); continue }
      const tz = this.settingsFor(residentId).timeZone
      const minutes = localMinutes(now, tz)
      if (!inLocalWindow(minutes, c.dayStart, c.dayEnd) || st.active) continue
      // only inactivity inside today's daytime window counts
      const sinceStartMin = (minutes - clockMinutes(c.dayStart) + 1440) % 1440
      const windowStart = now - (now % 60_000) - sinceStartMin * 60_000
      const quietSince = Math.max(last, windowStart)
      if (now - quietSince < c.afterMs) continue
      await this.raiseForResident('inactivity', residentId, st.mem.deviceId, 'medium', quietSince + c.afterMs,
        { lastActivityAt: last, quietForMs: now - quietSince, afterMs: c.afterMs })
    }
  }

  private bedNotBack (now: number): void {
    for (const [residentId, st] of this.state.all('bed_exit_not_back')) {
      const c = this.settingsFor(residentId).bed_exit_not_back
      const exitAt = st.mem.exitAt as number | undefined
      if (exitAt === undefined || st.active || !c.enabled || now - exitAt < c.afterMs) continue
      this.raise('bed_exit_not_back', residentId, residentId, st.mem.deviceId, 'medium', exitAt + c.afterMs, { exitAt, afterMs: c.afterMs })
    }
  }

  private async noData (now: number): Promise<void> {
    const { rows } = await this.sql.query<{ resident_id: string, last: Date | string }>(
      `select resident_id, max(last_seen_at) as last from devices where resident_id is not null and last_seen_at is not null group by resident_id`)
    for (const r of rows) {
      const c = this.settingsFor(r.resident_id).no_data
      const last = new Date(r.last).getTime()
      const st = this.state.get(r.resident_id, 'no_data')
      if (c.enabled && now - last >= c.afterMs) {
        if (!st.active) await this.raiseForResident('no_data', r.resident_id, undefined, 'low', last + c.afterMs, { lastDataAt: last, afterMs: c.afterMs })
      } else if (st.active) this.clear('no_data', r.resident_id, st, now)
    }
  }

  private async deviceOffline (now: number): Promise<void> {
    const { rows } = await this.sql.query<{ id: string, type: string, resident_id: string | null, online: boolean, last_seen_at: Date | string | null }>(
      'select id, type, resident_id, online, last_seen_at from devices where type = any($1::text[]) and last_seen_at is not null', [this.opts.offlineAlarmDeviceTypes])
    for (const d of rows) {
      const c = this.settingsFor(d.resident_id).device_offline
      const last = new Date(d.last_seen_at!).getTime()
      const st = this.state.get(d.id, 'device_offline')
      if (c.enabled && !d.online && now - last >= c.graceMs) {
        this.raise('device_offline', d.id, d.resident_id, d.id, 'low', last + c.graceMs, { deviceType: d.type, offlineSince: last, graceMs: c.graceMs })
      } else if (st.active && (d.online || !c.enabled)) this.clear('device_offline', d.id, st, now)
    }
  }

  private async missedTest (now: number): Promise<void> {
    // [P-3.2] only devices that send periodic `test` events are expected to keep sending them
    const { rows } = await this.sql.query<{ device_id: string, resident_id: string | null, last: Date | string }>(
      `select i.device_id, d.resident_id, max(i.received_at) as last from inbox i join devices d on d.id = i.device_id
        where i.kind = 'event' and i.type = 'test' group by i.device_id, d.resident_id`)
    for (const r of rows) {
      const c = this.settingsFor(r.resident_id).missed_test
      const last = new Date(r.last).getTime()
      const due = last + c.intervalMs + c.graceMs
      const st = this.state.get(r.device_id, 'missed_test')
      if (c.enabled && now >= due) this.raise('missed_test', r.device_id, r.resident_id, r.device_id, 'low', due, { lastTestAt: last, intervalMs: c.intervalMs })
      else if (st.active && now < due) this.clear('missed_test', r.device_id, st, now)
    }
  }

  // ── raising and clearing ────────────────────────────────────────────────

  private async raiseForResident (rule: DerivedRule, residentId: string, deviceId: string | undefined, severity: DerivedSeverity, at: number, details: Record<string, unknown>): Promise<void> {
    const device = deviceId ?? await this.store.residentDevice(residentId, ACTIVITY_DEVICE_TYPES)
    if (!device) return
    this.raise(rule, residentId, residentId, device, severity, at, details)
  }

  /**
   * One active alarm per subject and rule: a repeat at the same or lower severity updates the
   * episode; a first trigger, or a rise in severity, writes an inbox row and wakes the engine.
   */
  private raise (rule: DerivedRule, subject: string, residentId: string | null, deviceId: string, severity: DerivedSeverity, at: number, details: Record<string, unknown>): void {
    const st = this.state.get(subject, rule)
    this.state.touch(subject, rule)
    const prev = st.active
    if (prev && RANK[severity] <= RANK[prev.severity]) {
      prev.lastAt = Math.max(prev.lastAt, at)
      prev.repeats++
      prev.details = details
      return
    }
    // a rise in severity is recorded from the time it rose
    const start = at
    st.active = { start, severity, deviceId, lastAt: at, repeats: 0, details }
    const msgId = `derived:${rule}:${subject}:${start}`
    const payload: DerivedAlarmPayload = { rule, severity, residentId, at, ...details }
    const log = this.log.child({ rule, subject, deviceId })
    const write = this.store.insertInbox({ deviceId, msgId, kind: 'derived', type: rule, payload, deviceTs: new Date(at), receivedAt: new Date(this.now()), clockSkew: false })
      .then(async (isNew) => {
        log.info({ severity, msgId, escalated: prev !== undefined, isNew }, 'derived alarm raised')
        if (isNew) this.notify({ deviceId, msgId, kind: 'derived', type: rule })
        await this.state.flush(this.now())
      })
      .catch((err) => {
        // not recorded: forget the episode so the next reading or tick raises it again
        if (st.active?.start === start) st.active = prev
        log.error({ err, msgId }, 'derived alarm could not be recorded; will retry on the next trigger')
      })
      .finally(() => { this.pending.delete(write) })
    this.pending.add(write)
  }

  private clear (rule: DerivedRule, subject: string, st: RuleState, at: number): void {
    this.log.info({ rule, subject, since: st.active?.start, at }, 'derived alarm condition cleared')
    st.active = undefined
    this.state.touch(subject, rule)
  }
}

function parse (v: DetectionOverrides | string): DetectionOverrides {
  return typeof v === 'string' ? JSON.parse(v) : v
}
