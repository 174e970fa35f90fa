/**
 * What the console played: setup-tests.ts replaces the Web Audio tone player (jsdom has no
 * audio) with a spy, so a test counts the alarm patterns the console started and sees which.
 */
import { vi } from 'vitest'
import { playPattern, type Tone } from '../lib/tone-player.ts'

/** The patterns started since the last `forgetAlarmSounds()`. */
export const alarmSoundsPlayed = (): ReadonlyArray<readonly Tone[]> => vi.mocked(playPattern).mock.calls.map(([pattern]) => pattern)

export function forgetAlarmSounds (): void {
  vi.mocked(playPattern).mockClear()
}
