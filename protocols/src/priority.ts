/**
 * Response policy as pure functions: the priority of an alarm, which alarms belong to one
 * situation, and the SLA clocks and escalation steps per priority. The platform enforces these
 * with a policy a supervisor may override; the defaults live here so the dashboard and reports
 * use the same rules.
 */
import type { IncidentStatus, Priority } from './incident.ts'
import { DEFAULT_ACK_DEADLINE_MS, PRIORITIES } from './incident.ts'

export type Severity = 'high' | 'medium' | 'low'

/** What the engine knows about an alarm when it prioritises it. */
export interface AlarmContext {
  type: string
  /** severity of a derived alarm (issue 4's detection rules) */
  severity?: Severity | null
  livesAlone?: boolean
  /** GB/T 42195 capacity level: 0 能力完好 … 4 完全失能 */
  capacityLevel?: number | null
}

export interface PriorityPolicy {
  /** priority of each alarm type; types not listed get `fallback` */
  base: Record<string, Priority>
  /** derived alarms whose `severity: 'high'` makes them this priority (e.g. news2 ≥ 7 → P1) */
  ifSevere: Record<string, Priority>
  /** derived alarms whose `severity: 'low'` makes them this priority */
  ifMild: Record<string, Priority>
  /** types raised one level when the resident lives alone */
  raiseWhenLivesAlone: string[]
  /** types raised one level when the capacity level is at least `raiseAtCapacityLevel` */
  raiseForCapacity: string[]
  raiseAtCapacityLevel: number
  fallback: Priority
}

export const DEFAULT_PRIORITY_POLICY: PriorityPolicy = {
  base: {
    // P1 life-safety
    fall: 'P1', sos: 'P1', smoke: 'P1', gas: 'P1',
    // P2 urgent; news2 is "medium" (5–6) unless its severity says otherwise
    news2: 'P2', hr_high: 'P2', hr_low: 'P2', spo2_low: 'P2', temp_high: 'P2',
    bed_exit_not_back: 'P2', geofence_exit: 'P2', water_leak: 'P2', wander: 'P2', call_request: 'P2', bed_exit: 'P2',
    // P3 welfare
    inactivity: 'P3', no_data: 'P3', door_open: 'P3',
    // P4 technical
    low_battery: 'P4', device_offline: 'P4', offline: 'P4', missed_test: 'P4', tamper: 'P4'
  },
  // a geofence_exit is high severity for a resident flagged with dementia
  ifSevere: { news2: 'P1', hr_high: 'P1', hr_low: 'P1', spo2_low: 'P1', temp_high: 'P1', geofence_exit: 'P1' },
  ifMild: { news2: 'P3' },
  // An intercom call from someone living alone may be the only sign of trouble: life-safety.
  raiseWhenLivesAlone: ['call_request', 'inactivity', 'no_data'],
  raiseForCapacity: ['inactivity', 'no_data', 'bed_exit_not_back', 'wander', 'call_request'],
  raiseAtCapacityLevel: 3,
  fallback: 'P3'
}

/** One level more urgent (P1 stays P1). */
export function raisePriority (p: Priority): Priority {
  return PRIORITIES[Math.max(0, PRIORITIES.indexOf(p) - 1)]
}

/** One level less urgent (P4 stays P4). */
export function lowerPriority (p: Priority): Priority {
  return PRIORITIES[Math.min(PRIORITIES.length - 1, PRIORITIES.indexOf(p) + 1)]
}

/** The more urgent of two priorities. */
export function mostUrgent (a: Priority, b: Priority): Priority {
  return PRIORITIES.indexOf(a) <= PRIORITIES.indexOf(b) ? a : b
}

/**
 * The priority of an alarm under `policy`. Context raises a priority by at most one level,
 * however many reasons apply, so a policy change cannot make everything P1.
 */
export function alarmPriority (alarm: AlarmContext, policy: PriorityPolicy = DEFAULT_PRIORITY_POLICY): Priority {
  let p = policy.base[alarm.type] ?? policy.fallback
  if (alarm.severity === 'high' && policy.ifSevere[alarm.type]) p = policy.ifSevere[alarm.type]
  if (alarm.severity === 'low' && policy.ifMild[alarm.type]) p = policy.ifMild[alarm.type]
  const raise = (alarm.livesAlone === true && policy.raiseWhenLivesAlone.includes(alarm.type)) ||
    (alarm.capacityLevel != null && alarm.capacityLevel >= policy.raiseAtCapacityLevel && policy.raiseForCapacity.includes(alarm.type))
  return raise ? raisePriority(p) : p
}

/** Alarm types that concern a whole site rather than one resident (one incident per site). */
export const SITE_LEVEL_ALARM_TYPES: ReadonlySet<string> = new Set(['smoke', 'gas', 'water_leak'])

/**
 * Alarms of one group at one resident within the correlation window are one situation:
 * a fall, an SOS press and an intercom call a minute apart are one emergency, not three.
 */
export const CORRELATION_GROUPS: readonly (readonly string[])[] = [
  ['fall', 'sos', 'call_request', 'inactivity', 'bed_exit_not_back', 'wander'],
  ['news2', 'hr_high', 'hr_low', 'spo2_low', 'temp_high'],
  ['smoke', 'gas'],
  ['low_battery', 'device_offline', 'offline', 'missed_test', 'tamper']
]

/** Default correlation window: alarms of one group within 10 minutes join one incident. */
export const DEFAULT_CORRELATION_WINDOW_MS = 10 * 60_000

/** Whether an alarm of type `b` may join an incident of type `a` (same type always may). */
export function compatibleAlarms (a: string, b: string): boolean {
  return a === b || CORRELATION_GROUPS.some((g) => g.includes(a) && g.includes(b))
}

export const ESCALATION_ACTIONS = ['realert_area', 'alert_supervisor', 'widen_parent', 'next_responder'] as const
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number]

/** One escalation step: done `afterMs` after the incident opened, unless it has reached `until`. */
export interface EscalationStep {
  afterMs: number
  action: EscalationAction
  /** the state the step waits for: reached (or passed) it, the step and those after it are skipped */
  until: 'acknowledged' | 'dispatched' | 'on_scene' | 'resolved'
}

export interface SlaPolicy {
  ackDeadlineMs: Record<Priority, number>
  /** from dispatch to the responder on site (TSA: 90% within 45 min) */
  onSceneDeadlineMs: number
  /** how long a responder has to accept an offer before the next one is asked */
  offerTimeoutMs: number
  correlationWindowMs: number
  escalation: Record<Priority, EscalationStep[]>
}

export const DEFAULT_SLA_POLICY: SlaPolicy = {
  ackDeadlineMs: { ...DEFAULT_ACK_DEADLINE_MS },
  onSceneDeadlineMs: 45 * 60_000,
  offerTimeoutMs: 3 * 60_000,
  correlationWindowMs: DEFAULT_CORRELATION_WINDOW_MS,
  escalation: {
    P1: [
      { afterMs: 60_000, action: 'realert_area', until: 'acknowledged' },
      { afterMs: 120_000, action: 'alert_supervisor', until: 'acknowledged' },
      { afterMs: 180_000, action: 'widen_parent', until: 'acknowledged' },
      { afterMs: 30 * 60_000, action: 'next_responder', until: 'on_scene' }
    ],
    P2: [
      { afterMs: 180_000, action: 'realert_area', until: 'acknowledged' },
      { afterMs: 360_000, action: 'alert_supervisor', until: 'acknowledged' },
      { afterMs: 600_000, action: 'widen_parent', until: 'acknowledged' }
    ],
    P3: [
      { afterMs: 15 * 60_000, action: 'realert_area', until: 'acknowledged' },
      { afterMs: 30 * 60_000, action: 'alert_supervisor', until: 'acknowledged' }
    ],
    P4: [
      { afterMs: 24 * 3600_000, action: 'alert_supervisor', until: 'acknowledged' }
    ]
  }
}

const PROGRESS: readonly IncidentStatus[] = ['open', 'acknowledged', 'dispatched', 'on_scene', 'resolved']

/** Whether an incident in `status` has reached (or passed, or closed past) `until`. */
export function reached (status: IncidentStatus, until: EscalationStep['until']): boolean {
  if (status === 'closed_false_alarm') return true
  return PROGRESS.indexOf(status) >= PROGRESS.indexOf(until)
}

/**
 * The next escalation step to run for an incident: index and due time, skipping steps whose
 * awaited state is already reached; null when none is left.
 */
export function nextEscalation (policy: SlaPolicy, priority: Priority, openedAtMs: number, fromStep: number, status: IncidentStatus): { step: number, dueAtMs: number } | null {
  const steps = policy.escalation[priority] ?? []
  for (let i = fromStep; i < steps.length; i++) {
    if (!reached(status, steps[i].until)) return { step: i, dueAtMs: openedAtMs + steps[i].afterMs }
  }
  return null
}
