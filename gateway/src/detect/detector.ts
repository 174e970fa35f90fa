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
 * Reading rules (thresholds with duration, NEWS2, activity and bed memory, battery) run as
 * readings arrive, on the readings' own time; time-based rules (inactivity, bed exit not back,
 * no data, device offline, missed test) run on the scheduler tick with the injected clock.
 */
import type { Logger } from 'pino'
import type { DerivedRule, DetectionSettings } from '@eldercare/protocols'
import type { DeviceOwner, GatewayStore, Sql } from '../store.ts'
import { DerivedAlarmWriter } from './alarms.ts'
import { applyTrigger } from './episodes.ts'
import { checkBedNotBack, onBedOccupancy } from './rules/bed-exit-not-back.ts'
import { checkDeviceOffline } from './rules/device-offline.ts'
import { checkInactivity, isActivity, onActivity } from './rules/inactivity.ts'
import { onBattery as batteryStep } from './rules/low-battery.ts'
import { checkMissedTest } from './rules/missed-test.ts'
import { hasNews2, rememberNews2, scoreNews2 } from './rules/news2.ts'
import { checkNoData } from './rules/no-data.ts'
import { threshold, THRESHOLD_RULES, THRESHOLDS } from './rules/threshold.ts'
import { DetectionScans } from './scans.ts'
import { TickScheduler } from './scheduler.ts'
import { DetectionSettingsCache } from './settings.ts'
import { DetectionStateStore } from './state.ts'
import type { DerivedNotice, RuleState, RuleStep, Sample, Trigger } from './types.ts'

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
}

export const DETECTOR_DEFAULTS = {
  tickIntervalMs: 30_000,
  offlineAlarmDeviceTypes: ['fall_detector', 'sos_button', 'intercom'],
  thresholdMaxGapMs: 300_000
}

/** Devices that best carry resident-level activity alarms. */
const ACTIVITY_DEVICE_TYPES = ['motion_sensor', 'bed_sensor', 'wearable']

export class Detector {
  readonly state: DetectionStateStore
  readonly settings: DetectionSettingsCache
  private readonly alarms: DerivedAlarmWriter
  private readonly scans: DetectionScans
  private readonly scheduler: TickScheduler
  private readonly now: () => number
  private readonly opts: typeof DETECTOR_DEFAULTS

  constructor (
    sql: Sql,
    private readonly store: GatewayStore,
    private readonly log: Logger,
    notify: (n: DerivedNotice) => void,
    opts: DetectorOptions = {}
  ) {
    this.now = opts.now ?? Date.now
    this.opts = { ...DETECTOR_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => v !== undefined && k !== 'now')) }
    this.state = new DetectionStateStore(sql)
    this.settings = new DetectionSettingsCache(sql)
    this.scans = new DetectionScans(sql)
    this.alarms = new DerivedAlarmWriter(store, log, notify, this.now)
    this.scheduler = new TickScheduler(this.opts.tickIntervalMs, () => this.clockPass(), log)
  }

  async start (): Promise<void> {
    const n = await this.state.load()
    await this.settings.reload()
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
    await this.state.flush(this.now()).catch((err) => this.log.warn({ err }, 'detection state not saved at shutdown'))
  }

  /** Re-reads one resident's overrides (after a change through the API), or all. */
  reloadSettings (residentId?: string): Promise<void> { return this.settings.reload(residentId) }

  settingsFor (residentId: string | null): DetectionSettings { return this.settings.get(residentId) }

  // ── inputs as they arrive ───────────────────────────────────────────────

  /** Readings of one device, oldest first. Runs synchronously on the rule state; inbox writes follow. */
  onSamples (owner: DeviceOwner, samples: Sample[]): void {
    const residentId = owner.residentId
    if (!residentId || samples.length === 0) return
    const cfg = this.settings.get(residentId)
    const sorted = [...samples].sort((a, b) => a.ts - b.ts)
    const at = (rule: DerivedRule, step: RuleStep) => this.apply(rule, residentId, residentId, owner.deviceId, step)
    for (const s of sorted) {
      for (const rule of THRESHOLD_RULES) {
        const v = s.fields[THRESHOLDS[rule].vital]
        if (v !== undefined) at(rule, threshold(rule, this.state.get(residentId, rule), cfg, s.ts, v, this.opts.thresholdMaxGapMs))
      }
      if (hasNews2(s)) {
        const n2 = this.state.get(residentId, 'news2')
        this.state.set(residentId, 'news2', { ...n2, mem: rememberNews2(n2.mem, s) })
      }
      if (isActivity(s)) at('inactivity', onActivity(this.state.get(residentId, 'inactivity'), s.ts, owner.deviceId))
      if (s.fields.bed_occupied !== undefined) {
        at('bed_exit_not_back', onBedOccupancy(this.state.get(residentId, 'bed_exit_not_back'), cfg, s.ts, s.fields.bed_occupied > 0, owner.deviceId))
      }
    }
    if (sorted.some(hasNews2)) {
      const step = scoreNews2(this.state.get(residentId, 'news2'), cfg, sorted[sorted.length - 1]!.ts)
      at('news2', { ...step, save: 'memory' })
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

  private async clockPass (): Promise<void> {
    const now = this.now()
    await this.settings.reload()
    for (const [residentId, st] of this.state.all('inactivity')) {
      await this.applyForResident('inactivity', residentId, checkInactivity(st, this.settings.get(residentId), now))
    }
    for (const [residentId, st] of this.state.all('bed_exit_not_back')) {
      await this.applyForResident('bed_exit_not_back', residentId, checkBedNotBack(st, this.settings.get(residentId), now))
    }
    for (const r of await this.scans.residentsLastSeen()) {
      await this.applyForResident('no_data', r.residentId, checkNoData(this.state.get(r.residentId, 'no_data'), this.settings.get(r.residentId), now, r.lastSeen))
    }
    for (const d of await this.scans.devicesSeen(this.opts.offlineAlarmDeviceTypes)) {
      this.apply('device_offline', d.id, d.residentId, d.id, checkDeviceOffline(this.state.get(d.id, 'device_offline'), this.settings.get(d.residentId), now, d))
    }
    for (const t of await this.scans.lastTestEvents()) {
      this.apply('missed_test', t.deviceId, t.residentId, t.deviceId, checkMissedTest(this.state.get(t.deviceId, 'missed_test'), this.settings.get(t.residentId), now, t.deviceId, t.lastTest))
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

  private apply (rule: DerivedRule, subject: string, residentId: string | null, deviceId: string | undefined, step: RuleStep): void {
    let st = this.state.get(subject, rule)
    if (step.mem !== st.mem) st = { ...st, mem: step.mem }
    if (step.clear !== undefined && st.active) {
      this.log.info({ rule, subject, since: st.active.start, at: step.clear }, 'derived alarm condition cleared')
      st = withoutEpisode(st)
    }
    this.state.set(subject, rule, st)
    if (step.save || step.raise || step.clear !== undefined) this.state.touch(subject, rule)
    const device = step.raise?.deviceId ?? deviceId
    if (step.raise && device) this.raise(rule, subject, residentId, { ...step.raise, deviceId: device })
  }

  private raise (rule: DerivedRule, subject: string, residentId: string | null, trigger: Trigger & { deviceId: string }): void {
    const out = applyTrigger(this.state.get(subject, rule), trigger)
    this.state.set(subject, rule, out.state)
    if (out.kind === 'repeat') return
    const { episode, prev } = out
    this.alarms.write({ rule, subject, residentId, episode, escalated: prev !== undefined },
      () => this.state.flush(this.now()),
      () => {
        // not recorded: forget the episode so the next reading or tick raises it again
        const cur = this.state.get(subject, rule)
        if (cur.active?.start === episode.start) this.state.set(subject, rule, prev ? { ...cur, active: prev } : withoutEpisode(cur))
      })
  }
}

function withoutEpisode (st: RuleState): RuleState {
  const { active: _, ...rest } = st
  return rest
}
