/** What each priority sounds like. */
import type { IncidentDto, Priority } from '@eldercare/protocols'
import { isSoundEnabled } from '../../../lib/sound-preference.ts'
import { playPattern, type Tone } from '../../../lib/tone-player.ts'

const beep = (frequencyHz: number, durationMs: number, gapMs: number): Tone => ({ frequencyHz, durationMs, gapMs })

/**
 * Higher priority: higher pitch and more beeps, so an operator can tell P1 from P2 without
 * looking. P1 is a fast rising triple, repeated by the console until acknowledged.
 */
export const ALARM_PATTERNS: Record<Priority, readonly Tone[]> = {
  P1: [beep(1046, 160, 80), beep(1046, 160, 80), beep(1318, 320, 0)],
  P2: [beep(880, 200, 120), beep(880, 200, 0)],
  P3: [beep(660, 260, 0)],
  P4: [beep(440, 180, 0)]
}

/** Starts the alarm sound for `priority` unless muted. */
export function playAlarm (priority: Priority): void {
  if (!isSoundEnabled()) return
  playPattern(ALARM_PATTERNS[priority])
}

export function soundNewIncident (incident: IncidentDto): void {
  playAlarm(incident.priority)
}
