/**
 * Repeats the P1 alarm every `appConfig.p1RepeatIntervalMs` while any P1 waits to be acknowledged,
 * so a critical alarm cannot be missed by an operator who stepped away. Muted means silent.
 */
import type { IncidentDto } from '@eldercare/protocols'
import { useEffect } from 'react'
import { appConfig } from '../../../config/app-config.ts'
import { useSoundEnabled } from '../../../lib/sound-preference.ts'
import { playAlarm } from '../lib/alarm-sound.ts'

export function useP1AlarmRepeat (incidents: readonly IncidentDto[]): void {
  const enabled = useSoundEnabled()
  const p1Waiting = incidents.some((i) => i.priority === 'P1' && i.status === 'open')

  useEffect(() => {
    if (!enabled || !p1Waiting) return
    const timer = setInterval(() => { playAlarm('P1') }, appConfig.p1RepeatIntervalMs)
    return () => { clearInterval(timer) }
  }, [enabled, p1Waiting])
}
