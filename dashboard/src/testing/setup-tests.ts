/** Runs before every dashboard test file: unmount what a test rendered and forget what it stored. */
import { cleanup, configure } from '@testing-library/react'
import { afterEach, vi } from 'vitest'
import { endSession } from '../features/auth/session.ts'
import { setLocale } from '../lib/i18n/i18n.ts'
import { setSoundEnabled } from '../lib/sound-preference.ts'
import { forgetAlarmSounds } from './alarm-sounds.ts'

// jsdom has no Web Audio: the tone player becomes a spy that tests read (testing/alarm-sounds.ts).
vi.mock('../lib/tone-player.ts', async (importOriginal) => ({
  ...await importOriginal<typeof import('../lib/tone-player.ts')>(),
  playPattern: vi.fn()
}))

// The machine running the suite is shared and often loaded: wait generously for what must appear
// (findBy…, waitFor); a passing test does not wait longer for it.
configure({ asyncUtilTimeout: 5000 })

afterEach(() => {
  cleanup()
  vi.useRealTimers()
  vi.unstubAllGlobals()
  setLocale('zh-CN')
  endSession('logout')
  setSoundEnabled(true)
  forgetAlarmSounds()
  localStorage.clear()
  sessionStorage.clear()
})
