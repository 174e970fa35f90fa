/**
 * Detection where data arrives (ARCHITECTURE.md): rules over readings, device status and the
 * clock raise *derived alarms* into the same durable inbox as device events (kind 'derived',
 * type = rule name), so the incident engine treats them alike.
 *
 * This class only composes the parts (docs/readings.md, "Detection"):
 * - rules/*.ts — one rule per file, pure: state and input in, new memory and an alarm to raise
 *   or an episode to clear out; the clock is passed in;
 * - episodes.ts — one active alarm per subject and rule (a repeat updates the episode; only a new
 *   episode or a rise in severity is an inbox row, msg_id `derived:<rule>:<subject>:<start ms>`);
 * - state.ts — the rules' state in memory and its persistence (`detection_state`);
 * - settings.ts — the per-resident settings cache; scans.ts — the platform tables the device
 *   rules read; alarms.ts — the inbox writer; scheduler.ts — the tick.
 *
 * Reading rules (thresholds with duration, NEWS2, battery) run as readings arrive, on the
 * readings' own time, in whichever gateway the device is connected to. Time-based rules
 * (inactivity, bed exit not back, no data, device offline, missed test) run on the scheduler tick
 * with the injected clock, in exactly one process of the cluster: the holder of the clock lease
 * (lease.ts, migration 0009). Their inputs from readings (last activity, bed occupancy, position) are written
 * by every gateway as `input:*` records, which the holder reads on each tick.
 */
import type { Logger } from 'pino'
import type { DerivedRule, DetectionSettings } from '@eldercare/protocols'
import type { DeviceOwner, GatewayStore, Sql } from '../store.ts'
import { DerivedAlarmWriter } from './alarms.ts'
import { applyTrigger } from './episodes.ts'
import { ClockLease } from './lease.ts'
import { BED_INPUT, checkBedNotBack, onBedOccupancy, type BedInput } from './rules/bed-exit-not-back.ts'
import { checkDeviceOffline } from './rules/device-offline.ts'
import { checkGeofence, GEO_INPUT, onPosition as geoStep, type GeoInput, type GeofenceSubject } from './rules/geofence-exit.ts'
import { ACTIVITY_INPUT, checkInactivity, isActivity, onActivity, type ActivityInput } from './rules/inactivity.ts'
import { onBattery as batteryStep } from './rules/low-battery.ts'
import { checkMissedTest } from './rules/missed-test.ts'
import { hasNews2, rememberNews2, scoreNews2 } from './rules/news2.ts'
import { checkNoData } from './rules/no-data.ts'
import { threshold, THRESHOLD_RULES, THRESHOLDS } from './rules/threshold.ts'
import { SafeZoneCache } from './safe-zones.ts'
import { DetectionScans } from './scans.ts'
import { pacer, TickScheduler } from './scheduler.ts'
import { DetectionSettingsCache } from './settings.ts'
import { DetectionStateStore } from './state.ts'
import type { DerivedNotice, InputStep, RuleState, RuleStep, Sample, Trigger } from './types.ts'

export type { DerivedNotice, Sample } from './types.ts'

export interface DetectorOptions {
  /** Clock in epoch ms; injected by tests. Default Date.now. */
  now?: () => number
  /** How often the time-based rules run, in ms. Default 30000; 0 = never (tests call tick()). */
  tickIntervalMs?: number
  /** Device types whose being offline is an alarm [P-1.6]. Default fall_detector, sos_button, intercom. */
  offlineAlarmDeviceTypes?: string[]
  /** A gap in readings longer than this restarts a threshold's duration, in ms. Default 300000 (5 min). */
  thresholdMaxGapMs?: number
  /** How long the clock lease lasts unless renewed, in ms. Default 3 ticks, at least 90000. */
  clockLeaseMs?: number
  /** Longest a rule-state change waits before it is written, in ms. Default 1000; 0 = at ticks, alarms and shutdown only. */
  stateFlushDelayMs?: number
}

/** What a Detector works with, named (issue 18: no positional constructor arguments). */
export interface DetectorDeps {
  /** the database holding detection state, settings and the platform tables the clock rules scan */
  sql: Sql
  /** where derived alarms are written (the inbox) */
  store: GatewayStore
  log: Logger
  /** told of each derived alarm once it is durably in the inbox */
  notify: (n: DerivedNotice) => void
}

export const DETECTOR_DEFAULTS = {
  tickIntervalMs: 30_000,
  offlineAlarmDeviceTypes: ['fall_detector', 'sos_button', 'intercom'],
  thresholdMaxGapMs: 300_000
}

/** Devices that best carry resident-level activity alarms. */
const ACTIVITY_DEVICE_TYPES = ['motion_sensor', 'bed_sensor', 'wearable']
/** Rules that run on the clock, in the lease holder only; and the inputs they read. */
const CLOCK_RULES: DerivedRule[] = ['inactivity', 'bed_exit_not_back', 'no_data', 'device_offline', 'missed_test', 'geofence_exit']
const INPUTS = [ACTIVITY_INPUT, BED_INPUT, GEO_INPUT]
/** Inputs are re-read from this long before the previous tick: room for other nodes' clocks and writes in flight. */
const INPUT_OVERLAP_MS = 60_000
/** Rules that run where the readings arrive, per resident and per device. */
const EDGE_RULES: DerivedRule[] = ['hr_high', 'hr_low', 'spo2_low', 'temp_high', 'news2', 'low_battery']
const NO_STATE: RuleState = Object.freeze({ mem: Object.freeze({}) }) as RuleState

export class Detector {
  readonly state: DetectionStateStore
  readonly settings: DetectionSettingsCache
  readonly safeZones: SafeZoneCache
  private readonly alarms: DerivedAlarmWriter
  private readonly scans: DetectionScans
  private readonly scheduler: TickScheduler
  private readonly lease: ClockLease
  private readonly now: () => number
  private readonly opts: typeof DETECTOR_DEFAULTS
  /** whether this process held the clock lease at its last tick (then it clears clock rules' episodes at once) */
  private ownsClock = false
  private inputsReadAt = 0
  /** subject (resident or device) → when this process last had input for it */
  private readonly lastLocal = new Map<string, number>()
  private readonly reloading = new Map<string, Promise<unknown>>()
  /** the state loaded at start is as fresh as a local input then */
  private startedAt = 0
  /** how stale lastLocal may be: a tenth of the threshold gap, at most 10 s */
  private readonly lastLocalStepMs: number

  private readonly store: GatewayStore
  private readonly log: Logger

  constructor ({ sql, store, log, notify, ...opts }: DetectorOptions & DetectorDeps) {
    this.store = store
    this.log = log
    this.now = opts.now ?? Date.now
    this.opts = { ...DETECTOR_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => v !== undefined && k !== 'now')) }
    this.lastLocalStepMs = Math.min(10_000, this.opts.thresholdMaxGapMs / 10)
    this.lease = new ClockLease(sql, opts.clockLeaseMs ?? Math.max(3 * this.opts.tickIntervalMs, 90_000))
    this.state = new DetectionStateStore(sql, log, this.now, { flushDelayMs: opts.stateFlushDelayMs, writer: this.lease.holder })
    this.settings = new DetectionSettingsCache(sql)
    this.safeZones = new SafeZoneCache(sql)
    this.scans = new DetectionScans(sql)
    this.alarms = new DerivedAlarmWriter(store, log, notify, this.now)
    this.scheduler = new TickScheduler(this.opts.tickIntervalMs, () => this.clockPass(), log)
  }

  async start (): Promise<void> {
    this.startedAt = this.now()
    const n = await this.state.load()
    this.adoptOldState()
    await this.settings.reload()
    await this.safeZones.reload()
    this.log.info({ states: n }, 'detection state loaded')
    this.scheduler.start()
  }

  /** Resolves when the tick under way and every inbox write started so far have finished (tests; shutdown). */
  async settled (): Promise<void> {
    await this.scheduler.idle()
    await this.alarms.settled()
  }

  async stop (): Promise<void> {
    await this.scheduler.stop()
    await this.settled()
    this.state.close()
    await this.state.flushAll(this.now()).catch((err) => this.log.warn({ err }, 'detection state not saved at shutdown'))
    if (this.ownsClock) await this.lease.release().catch((err) => this.log.warn({ err }, 'clock lease not released; another process takes over when it expires'))
    this.ownsClock = false
  }

  /** Whether this process ran the clock rules at its last tick. */
  get clockOwner (): boolean { return this.ownsClock }

  /** Re-reads one resident's overrides (after a change through the API), or all. */
  reloadSettings (residentId?: string): Promise<void> { return this.settings.reload(residentId) }

  settingsFor (residentId: string | null): DetectionSettings { return this.settings.get(residentId) }

  /** Re-reads one resident's safe zone (after a change through the API), or all. */
  reloadSafeZone (residentId?: string): Promise<void> { return this.safeZones.reload(residentId) }

  private geofenceSubject (residentId: string): GeofenceSubject | undefined {
    const z = this.safeZones.get(residentId)
    return z ? { zone: z.zone, dementia: z.dementia, timeZone: this.settings.get(residentId).timeZone } : undefined
  }

  // ── inputs as they arrive ───────────────────────────────────────────────

  /**
   * Call before a device's input (the gateway does, after its owner lookup). When this process has
   * had no input for the resident or device for longer than a threshold's gap, the device may
   * have been on another gateway, which kept the per-reading rules' state meanwhile: that state is
   * re-read from the database first, so the rules meet the same state wherever the device
   * connects (#14). Otherwise no database work.
   */
  prepare (owner: DeviceOwner): Promise<void> | undefined {
    const now = this.now()
    let stale: string[] | undefined
    let waits: Array<Promise<unknown>> | undefined
    // the resident (when there is one) and the device, with no array per message (issue 11)
    for (let i = owner.residentId ? 0 : 1; i < 2; i++) {
      const subject = i === 0 ? owner.residentId! : owner.deviceId
      const last = this.lastLocal.get(subject)
      const inFlight = this.reloading.get(subject)
      if (inFlight) (waits ??= []).push(inFlight) // a message right behind the one that started the re-read waits for it too
      else if (now - (last ?? this.startedAt) > this.opts.thresholdMaxGapMs) (stale ??= []).push(subject)
      // to a tenth of the gap (at most 10 s): a subject with input every second is not written (a
      // new heap number, promoted a second later) on every message, and a re-read comes at most
      // that much early
      if (last === undefined || now - last >= this.lastLocalStepMs) this.lastLocal.set(subject, now)
    }
    if (stale) {
      const subjects = stale
      const reload = this.state.reloadSubjects(subjects, EDGE_RULES).finally(() => { for (const s of subjects) this.reloading.delete(s) })
      for (const s of subjects) this.reloading.set(s, reload)
      ;(waits ??= []).push(reload)
    }
    // nothing to wait for (the common case): no promise (issue 11)
    if (waits) return Promise.all(waits).then(() => {})
  }

  /** Readings of one device, oldest first. Runs synchronously on the rule state; inbox writes follow. */
  onSamples (owner: DeviceOwner, samples: Sample[]): void {
    const residentId = owner.residentId
    if (!residentId || samples.length === 0) return
    const cfg = this.settings.get(residentId)
    // one sample (the common case): no sorted copy. No closures either (issue 11: 10,000 calls a
    // second; under tsx a named closure also costs an Object.defineProperty of its name)
    const sorted = samples.length === 1 ? samples : [...samples].sort(byTs)
    let news2 = false
    for (const s of sorted) {
      for (const rule of THRESHOLD_RULES) {
        const v = s.fields[THRESHOLDS[rule].vital]
        if (v === undefined) continue
        const st = this.state.get(residentId, rule)
        const step = threshold(rule, st, cfg, s.ts, v, this.opts.thresholdMaxGapMs)
        // a reading inside the bounds with nothing pending changes nothing: apply() is skipped
        if (step.mem !== st.mem || step.raise || (step.clear !== undefined && st.active)) this.apply(rule, residentId, residentId, owner.deviceId, step)
      }
      if (hasNews2(s)) {
        news2 = true
        // the latest readings, in the record's own memory (in place): written at shutdown
        if (rememberNews2(this.state.get(residentId, 'news2').mem, s)) this.state.touch(residentId, 'news2', 'memory')
      }
      if (isActivity(s)) {
        this.input(residentId, ACTIVITY_INPUT, onActivity(this.input<ActivityInput>(residentId, ACTIVITY_INPUT), s.ts, owner.deviceId))
        // where the clock rules run, activity ends an inactivity alarm at once (elsewhere: at the owner's next tick)
        if (this.ownsClock && this.state.peek(residentId, 'inactivity')?.active) this.apply('inactivity', residentId, residentId, owner.deviceId, { mem: {}, clear: s.ts })
      }
      if (s.fields.bed_occupied !== undefined) {
        const occupied = s.fields.bed_occupied > 0
        this.input(residentId, BED_INPUT, onBedOccupancy(this.input<BedInput>(residentId, BED_INPUT), cfg, s.ts, occupied, owner.deviceId))
        if (occupied && this.ownsClock && this.state.peek(residentId, 'bed_exit_not_back')?.active) this.apply('bed_exit_not_back', residentId, residentId, owner.deviceId, { mem: {}, clear: s.ts })
      }
    }
    if (news2) {
      const st = this.state.get(residentId, 'news2')
      const step = scoreNews2(st, cfg, sorted[sorted.length - 1]!.ts)
      // the memory is the record's own (above): only an alarm raised or cleared is applied
      if (step.raise || (step.clear !== undefined && st.active)) this.apply('news2', residentId, residentId, owner.deviceId, { ...step, save: 'memory' })
    }
  }

  /**
   * A position (WGS-84) of a resident's wearable, from telemetry or an event: the geofence_exit
   * rule's input. Where the clock rules run, coming back inside ends the episode at once.
   */
  onPosition (owner: DeviceOwner, ts: number, pos: { lat: number, lng: number, acc?: number | null }): void {
    const residentId = owner.residentId
    if (!residentId) return
    const geo = this.input(residentId, GEO_INPUT, geoStep(this.input<GeoInput>(residentId, GEO_INPUT), this.geofenceSubject(residentId), ts, pos, owner.deviceId))
    if (geo.outsideSince === undefined && this.ownsClock && this.state.peek(residentId, 'geofence_exit')?.active) {
      this.apply('geofence_exit', residentId, residentId, owner.deviceId, { mem: {}, clear: ts })
    }
  }

  /** [P-3.4] battery from status, or a `low_battery` event [P-3.2] (percent null). */
  onBattery (owner: DeviceOwner, percent: number | null, at: number): void {
    const cfg = this.settings.get(owner.residentId)
    this.apply('low_battery', owner.deviceId, owner.residentId, owner.deviceId, batteryStep(this.state.get(owner.deviceId, 'low_battery'), cfg, percent, at))
  }

  // ── the clock ───────────────────────────────────────────────────────────

  /** Runs the time-based rules at the clock's now and saves changed state. Passes never overlap. */
  tick (): Promise<void> { return this.scheduler.tick() }

  /**
   * One tick: settings reloaded, this process's inputs written; then, only in the lease holder,
   * the clock rules over every resident and device — in slices, yielding between them.
   */
  private async clockPass (): Promise<void> {
    const now = this.now()
    await this.settings.reload()
    await this.safeZones.reload()
    await this.state.flush(now)
    const lease = await this.lease.hold(now)
    if (!lease.held) { this.ownsClock = false; return }
    // a new holder (or one that lost the lease meanwhile) takes the rules' state from the database
    if (!lease.continuous || !this.ownsClock) await this.state.reload([...CLOCK_RULES, ...INPUTS])
    else await this.state.reload(INPUTS, this.inputsReadAt - INPUT_OVERLAP_MS)
    this.inputsReadAt = now
    this.ownsClock = true
    const pace = pacer()
    for (const [residentId, activity] of this.state.all(ACTIVITY_INPUT)) {
      await pace()
      const st = this.state.peek(residentId, 'inactivity') ?? NO_STATE
      await this.applyForResident('inactivity', residentId, checkInactivity(st, activity.mem, this.settings.get(residentId), now))
    }
    for (const [residentId, bed] of this.state.all(BED_INPUT)) {
      await pace()
      const st = this.state.peek(residentId, 'bed_exit_not_back') ?? NO_STATE
      await this.applyForResident('bed_exit_not_back', residentId, checkBedNotBack(st, bed.mem, this.settings.get(residentId), now))
    }
    for (const [residentId, geo] of this.state.all(GEO_INPUT)) {
      await pace()
      const st = this.state.peek(residentId, 'geofence_exit') ?? NO_STATE
      await this.applyForResident('geofence_exit', residentId, checkGeofence(st, geo.mem, this.geofenceSubject(residentId), now))
    }
    // read in pages (scans.ts): no statement of this pass holds the embedded database for long
    for await (const page of this.scans.residentsLastSeen()) {
      for (const r of page) {
        await pace()
        await this.applyForResident('no_data', r.residentId, checkNoData(this.state.peek(r.residentId, 'no_data') ?? NO_STATE, this.settings.get(r.residentId), now, r.lastSeen))
      }
    }
    for await (const page of this.scans.devicesSeen(this.opts.offlineAlarmDeviceTypes)) {
      for (const d of page) {
        await pace()
        this.apply('device_offline', d.id, d.residentId, d.id, checkDeviceOffline(this.state.peek(d.id, 'device_offline') ?? NO_STATE, this.settings.get(d.residentId), now, d))
      }
    }
    for (const t of await this.scans.lastTestEvents()) {
      await pace()
      this.apply('missed_test', t.deviceId, t.residentId, t.deviceId, checkMissedTest(this.state.peek(t.deviceId, 'missed_test') ?? NO_STATE, this.settings.get(t.residentId), now, t.deviceId, t.lastTest))
    }
    await this.state.flush(now)
  }

  /** A resident-level alarm names one of the resident's devices: the rule's, else the best-suited one. */
  private async applyForResident (rule: DerivedRule, residentId: string, step: RuleStep): Promise<void> {
    if (step.raise && !step.raise.deviceId) {
      const deviceId = await this.store.residentDevice(residentId, ACTIVITY_DEVICE_TYPES)
      step = deviceId ? { ...step, raise: { ...step.raise, deviceId } } : { ...step, raise: undefined }
    }
    this.apply(rule, residentId, residentId, undefined, step)
  }

  // ── applying a rule's step ──────────────────────────────────────────────

  /**
   * Applies a rule's step to its record. Written soon ('now'): an episode that starts, escalates
   * or clears, and memory the rule marks so; a repeat and other memory only at shutdown.
   */
  private apply (rule: DerivedRule, subject: string, residentId: string | null, deviceId: string | undefined, step: RuleStep): void {
    const before = this.state.peek(subject, rule) ?? NO_STATE
    let st = before
    if (step.mem !== st.mem) st = { ...st, mem: step.mem }
    const clears = step.clear !== undefined && st.active !== undefined
    if (clears) {
      this.log.info({ rule, subject, since: st.active!.start, at: step.clear }, 'derived alarm condition cleared')
      st = withoutEpisode(st)
    }
    if (st !== before) {
      this.state.set(subject, rule, st)
      this.state.touch(subject, rule, clears ? 'now' : step.save ?? 'memory')
    }
    const device = step.raise?.deviceId ?? deviceId
    if (step.raise && device) this.raise(rule, subject, residentId, { ...step.raise, deviceId: device })
  }

  /** Keeps an input for the clock rules, written as the step says; reads it with no step. */
  private input<I> (residentId: string, name: string, step?: InputStep<I>): I {
    if (!step) return (this.state.peek(residentId, name)?.mem ?? {}) as I
    this.state.set(residentId, name, { mem: step.input as Record<string, unknown> })
    this.state.touch(residentId, name, step.save)
    return step.input
  }

  /** State written before the clock rules' inputs had records of their own: moved there. */
  private adoptOldState (): void {
    for (const [rule, input] of [['inactivity', ACTIVITY_INPUT], ['bed_exit_not_back', BED_INPUT]] as const) {
      for (const [subject, st] of this.state.all(rule)) {
        if (Object.keys(st.mem).length === 0) continue
        if (!this.state.peek(subject, input)) {
          const { lastActivity, ...rest } = st.mem
          this.state.set(subject, input, { mem: lastActivity !== undefined ? { at: lastActivity, deviceId: rest.deviceId } : { at: 0, ...rest } })
        }
        this.state.set(subject, rule, { ...st, mem: {} })
      }
    }
  }

  private raise (rule: DerivedRule, subject: string, residentId: string | null, trigger: Trigger & { deviceId: string }): void {
    const out = applyTrigger(this.state.peek(subject, rule) ?? NO_STATE, trigger)
    this.state.set(subject, rule, out.state)
    if (out.kind === 'repeat') { this.state.touch(subject, rule, 'memory'); return }
    this.state.touch(subject, rule, 'now')
    const { episode, prev } = out
    this.alarms.write({ rule, subject, residentId, episode, escalated: prev !== undefined },
      () => this.state.flush(this.now()),
      () => {
        // not recorded: forget the episode so the next reading or tick raises it again
        const cur = this.state.peek(subject, rule)
        if (cur?.active?.start === episode.start) this.state.set(subject, rule, prev ? { ...cur, active: prev } : withoutEpisode(cur))
      })
  }
}

function byTs (a: Sample, b: Sample): number { return a.ts - b.ts }

function withoutEpisode (st: RuleState): RuleState {
  const { active: _, ...rest } = st
  return rest
}
