import { describe, expect, it } from 'vitest'
import {
  DEFAULT_PRIORITY_POLICY, DEFAULT_SLA_POLICY, alarmPriority, compatibleAlarms, lowerPriority, mostUrgent,
  nextEscalation, raisePriority, reached, type PriorityPolicy
} from '../src/index.ts'

describe('priority policy', () => {
  it('makes falls, SOS, smoke and gas P1 life-safety', () => {
    for (const type of ['fall', 'sos', 'smoke', 'gas']) expect(alarmPriority({ type })).toBe('P1')
  })

  it('maps issue 4\'s derived alarms by rule and severity', () => {
    expect(alarmPriority({ type: 'news2', severity: 'high' })).toBe('P1')
    expect(alarmPriority({ type: 'news2', severity: 'medium' })).toBe('P2')
    for (const type of ['hr_high', 'hr_low', 'spo2_low', 'temp_high']) {
      expect(alarmPriority({ type, severity: 'medium' })).toBe('P2')
      expect(alarmPriority({ type, severity: 'high' })).toBe('P1')
    }
    expect(alarmPriority({ type: 'bed_exit_not_back', severity: 'medium' })).toBe('P2')
    expect(alarmPriority({ type: 'inactivity', severity: 'medium' })).toBe('P3')
    expect(alarmPriority({ type: 'no_data', severity: 'low' })).toBe('P3')
    for (const type of ['low_battery', 'device_offline', 'missed_test']) expect(alarmPriority({ type, severity: 'low' })).toBe('P4')
  })

  it('makes an intercom call P2, and P1 from a resident living alone', () => {
    expect(alarmPriority({ type: 'call_request' })).toBe('P2')
    expect(alarmPriority({ type: 'call_request', livesAlone: true })).toBe('P1')
  })

  it('raises welfare alarms one level for a high capacity level (GB/T 42195 ≥ 3), never technical ones', () => {
    expect(alarmPriority({ type: 'inactivity', capacityLevel: 3 })).toBe('P2')
    expect(alarmPriority({ type: 'inactivity', capacityLevel: 2 })).toBe('P3')
    expect(alarmPriority({ type: 'low_battery', capacityLevel: 4, livesAlone: true })).toBe('P4')
  })

  it('raises by at most one level however many reasons apply', () => {
    expect(alarmPriority({ type: 'inactivity', capacityLevel: 4, livesAlone: true })).toBe('P2')
  })

  it('follows an overridden policy', () => {
    const policy: PriorityPolicy = { ...DEFAULT_PRIORITY_POLICY, base: { ...DEFAULT_PRIORITY_POLICY.base, water_leak: 'P1' } }
    expect(alarmPriority({ type: 'water_leak' }, policy)).toBe('P1')
    expect(alarmPriority({ type: 'unknown_kind' }, policy)).toBe('P3')
  })

  it('raises and lowers within P1…P4', () => {
    expect(raisePriority('P1')).toBe('P1')
    expect(raisePriority('P3')).toBe('P2')
    expect(lowerPriority('P4')).toBe('P4')
    expect(lowerPriority('P1')).toBe('P2')
    expect(mostUrgent('P3', 'P1')).toBe('P1')
  })
})

describe('correlation', () => {
  it('treats fall, SOS and an intercom call at one resident as one situation', () => {
    expect(compatibleAlarms('fall', 'sos')).toBe(true)
    expect(compatibleAlarms('call_request', 'fall')).toBe(true)
    expect(compatibleAlarms('fall', 'low_battery')).toBe(false)
    expect(compatibleAlarms('smoke', 'smoke')).toBe(true)
  })
})

describe('escalation schedule', () => {
  it('starts a P1 at 60 s with a re-alert of the area', () => {
    expect(nextEscalation(DEFAULT_SLA_POLICY, 'P1', 1000, 0, 'open')).toEqual({ step: 0, dueAtMs: 61_000 })
    expect(DEFAULT_SLA_POLICY.escalation.P1[0].action).toBe('realert_area')
  })

  it('stops the steps waiting for acknowledgement once acknowledged, keeping those waiting for on-scene', () => {
    const next = nextEscalation(DEFAULT_SLA_POLICY, 'P1', 0, 0, 'acknowledged')
    expect(next).toEqual({ step: 3, dueAtMs: 30 * 60_000 })
    expect(nextEscalation(DEFAULT_SLA_POLICY, 'P1', 0, 0, 'on_scene')).toBeNull()
    expect(nextEscalation(DEFAULT_SLA_POLICY, 'P2', 0, 0, 'closed_false_alarm')).toBeNull()
  })

  it('knows which states are reached', () => {
    expect(reached('open', 'acknowledged')).toBe(false)
    expect(reached('dispatched', 'acknowledged')).toBe(true)
    expect(reached('dispatched', 'on_scene')).toBe(false)
    expect(reached('closed_false_alarm', 'on_scene')).toBe(true)
  })

  it('defaults to the TSA acknowledgement targets', () => {
    expect(DEFAULT_SLA_POLICY.ackDeadlineMs).toEqual({ P1: 60_000, P2: 180_000, P3: 900_000, P4: 86_400_000 })
    expect(DEFAULT_SLA_POLICY.onSceneDeadlineMs).toBe(45 * 60_000)
  })
})
