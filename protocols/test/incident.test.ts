import { describe, expect, it } from 'vitest'
import { INCIDENT_ACTIONS, INCIDENT_STATUSES, allowedActions, defaultPriority, isActive, nextStatus } from '../src/index.ts'

describe('incident state machine', () => {
  it('follows open → acknowledged → dispatched → on_scene → resolved', () => {
    expect(nextStatus('open', 'acknowledge')).toBe('acknowledged')
    expect(nextStatus('acknowledged', 'dispatch')).toBe('dispatched')
    expect(nextStatus('dispatched', 'arrive')).toBe('on_scene')
    expect(nextStatus('on_scene', 'resolve')).toBe('resolved')
  })

  it('resolves directly from acknowledged (handled by phone or intercom)', () => {
    expect(nextStatus('acknowledged', 'resolve')).toBe('resolved')
  })

  it('does not resolve an alarm nobody acknowledged', () => {
    expect(nextStatus('open', 'resolve')).toBeNull()
  })

  it('closes as a false alarm from any active state and from no terminal one', () => {
    for (const s of INCIDENT_STATUSES) {
      expect(nextStatus(s, 'close_false_alarm')).toBe(isActive(s) ? 'closed_false_alarm' : null)
    }
  })

  it('allows no action at all on a terminal incident', () => {
    for (const s of ['resolved', 'closed_false_alarm'] as const) {
      expect(allowedActions(s)).toEqual([])
      for (const a of INCIDENT_ACTIONS) expect(nextStatus(s, a)).toBeNull()
    }
  })

  it('cannot acknowledge twice', () => {
    expect(nextStatus('acknowledged', 'acknowledge')).toBeNull()
  })

  it('gives life-safety alarms P1 and technical ones P4', () => {
    expect(['fall', 'sos', 'smoke', 'gas'].map(defaultPriority)).toEqual(['P1', 'P1', 'P1', 'P1'])
    expect(defaultPriority('low_battery')).toBe('P4')
  })
})
