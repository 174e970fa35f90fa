/**
 * Every type an incident can carry, in one list: the device's alarm events [P-3.2] (not `test`,
 * `cancel` or `checkin`), the intercom's call request [P-3.3], the derived alarms of the detection rules,
 * and the platform's own. The console's labels are keyed by it (dashboard i18n, checked by the
 * compiler), so a new alarm type cannot reach an operator's screen unnamed.
 */
import { DERIVED_RULES } from './detection.ts'
import { NON_ALARM_EVENT_TYPES } from './incident.ts'
import { EVENT_TYPES, type EventType } from './messages.ts'

export type DeviceAlarmType = Exclude<EventType, 'test' | 'cancel' | 'checkin'>

/** [P-3.2] Event types that open an incident. */
export const DEVICE_ALARM_TYPES = EVENT_TYPES.filter((t): t is DeviceAlarmType => !NON_ALARM_EVENT_TYPES.has(t))

const ALL = [
  ...DEVICE_ALARM_TYPES,
  /** [P-3.3] a call request from an intercom opens an incident */
  'call_request',
  ...DERIVED_RULES,
  /** older name of `device_offline`, still on stored incidents */
  'offline',
  /** a home visit recorded with a follow-up need (platform visits) */
  'visit_follow_up',
  /** a resident a welfare round could not confirm by its deadline (platform welfare rounds) */
  'welfare_unconfirmed',
  /** a daily check-in (报平安) missed and nobody reached the resident (platform daily check-in) */
  'checkin_missed'
] as const
export type AlarmType = (typeof ALL)[number]
/** Each once (`inactivity` and `low_battery` are both device events and derived alarms). */
export const ALARM_TYPES: readonly AlarmType[] = [...new Set(ALL)]
