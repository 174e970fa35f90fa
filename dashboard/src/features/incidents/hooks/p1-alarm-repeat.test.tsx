import type { IncidentDto } from '@eldercare/protocols'
import { renderHook } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { appConfig } from '../../../config/app-config.ts'
import { setSoundEnabled } from '../../../lib/sound-preference.ts'
import { anIncident } from '../../../testing/incident-fixtures.ts'
import { useP1AlarmRepeat } from './use-p1-alarm-repeat.ts'
import { alarmSoundsPlayed, forgetAlarmSounds } from '../../../testing/alarm-sounds.ts'

describe('P1 alarm repeat', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    forgetAlarmSounds()
  })

  it('repeats while a P1 waits to be acknowledged and stops once none does', () => {
    const { rerender } = renderHook(({ incidents }: { incidents: IncidentDto[] }) => { useP1AlarmRepeat(incidents) }, {
      initialProps: { incidents: [anIncident({ priority: 'P1', status: 'open' })] }
    })
    vi.advanceTimersByTime(appConfig.p1RepeatIntervalMs * 3)
    expect(alarmSoundsPlayed()).toHaveLength(3)
    rerender({ incidents: [anIncident({ priority: 'P1', status: 'acknowledged' })] })
    vi.advanceTimersByTime(appConfig.p1RepeatIntervalMs * 3)
    expect(alarmSoundsPlayed()).toHaveLength(3)
  })

  it('does not repeat for lower priorities, nor when muted', () => {
    const { rerender } = renderHook(({ incidents }: { incidents: IncidentDto[] }) => { useP1AlarmRepeat(incidents) }, {
      initialProps: { incidents: [anIncident({ priority: 'P2', status: 'open' })] }
    })
    vi.advanceTimersByTime(appConfig.p1RepeatIntervalMs * 2)
    setSoundEnabled(false)
    rerender({ incidents: [anIncident({ priority: 'P1', status: 'open' })] })
    vi.advanceTimersByTime(appConfig.p1RepeatIntervalMs * 2)
    expect(alarmSoundsPlayed()).toHaveLength(0)
  })
})
