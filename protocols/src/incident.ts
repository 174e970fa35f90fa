/**
 * Incident vocabulary and the pure state machine shared by the platform (which
 * enforces it) and the dashboard (which offers only the actions it allows).
 */

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'dispatched', 'on_scene', 'resolved', 'closed_false_alarm'] as const
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number]

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const
export type Priority = (typeof PRIORITIES)[number]

export const INCIDENT_ACTIONS = ['acknowledge', 'dispatch', 'arrive', 'resolve', 'close_false_alarm'] as const
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number]

/** Which action leads from which states to which state. */
const TRANSITIONS: Record<IncidentAction, { from: readonly IncidentStatus[], to: IncidentStatus }> = {
  acknowledge: { from: ['open'], to: 'acknowledged' },
  dispatch: { from: ['acknowledged', 'dispatched'], to: 'dispatched' },
  arrive: { from: ['dispatched'], to: 'on_scene' },
  // Resolved directly from acknowledged when handled by phone or intercom.
  resolve: { from: ['acknowledged', 'dispatched', 'on_scene'], to: 'resolved' },
  close_false_alarm: { from: ['open', 'acknowledged', 'dispatched', 'on_scene'], to: 'closed_false_alarm' }
}

export const TERMINAL_STATUSES: readonly IncidentStatus[] = ['resolved', 'closed_false_alarm']

export function isActive (status: IncidentStatus): boolean {
  return !TERMINAL_STATUSES.includes(status)
}

/** The state `action` leads to from `status`, or null when the transition is not allowed. */
export function nextStatus (status: IncidentStatus, action: IncidentAction): IncidentStatus | null {
  const t = TRANSITIONS[action]
  return t.from.includes(status) ? t.to : null
}

export function allowedActions (status: IncidentStatus): IncidentAction[] {
  return INCIDENT_ACTIONS.filter((a) => nextStatus(status, a) !== null)
}

/** Default priority of an alarm type (issue #5 makes this a configurable policy). */
const DEFAULT_PRIORITY: Record<string, Priority> = {
  fall: 'P1',
  sos: 'P1',
  smoke: 'P1',
  gas: 'P1',
  call_request: 'P2',
  bed_exit: 'P2',
  water_leak: 'P2',
  wander: 'P2',
  inactivity: 'P3',
  door_open: 'P3',
  no_data: 'P3',
  low_battery: 'P4',
  tamper: 'P4',
  offline: 'P4',
  // derived alarms (the gateway's detection rules); issue 5 maps news2/threshold severity further
  news2: 'P2',
  hr_high: 'P2',
  hr_low: 'P2',
  spo2_low: 'P2',
  temp_high: 'P2',
  bed_exit_not_back: 'P2',
  device_offline: 'P4',
  missed_test: 'P4'
}

export function defaultPriority (alarmType: string): Priority {
  return DEFAULT_PRIORITY[alarmType] ?? 'P3'
}

/** Acknowledgement deadline per priority, in milliseconds (TSA targets: P1 answered within 60 s). */
export const DEFAULT_ACK_DEADLINE_MS: Record<Priority, number> = {
  P1: 60_000,
  P2: 180_000,
  P3: 15 * 60_000,
  P4: 24 * 3600_000
}

/** Device event types that never open an incident ([P-3.2]: `test` is proof of life; `cancel` is recorded against its ref; `checkin` is an "I'm OK" press, a confirmation). */
export const NON_ALARM_EVENT_TYPES: ReadonlySet<string> = new Set(['test', 'cancel', 'checkin'])

/** Resolution outcome codes: an incident closes only with one of these. */
export const OUTCOMES = [
  'handled_by_call',
  'responder_no_injury',
  'injury_treated_on_site',
  'ambulance_called',
  'hospital_admission',
  'false_alarm_device',
  'false_alarm_user',
  'no_answer_all_well',
  'deceased'
] as const
export type Outcome = (typeof OUTCOMES)[number]
