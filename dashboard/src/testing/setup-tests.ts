/** Runs before every dashboard test file: unmount what a test rendered and forget what it stored. */
import { cleanup, configure } from '@testing-library/react'
import { afterEach, vi } from 'vitest'
import { endSession } from '../features/auth/session.ts'
import { setLocale } from '../lib/i18n/i18n.ts'
import { setSoundEnabled } from '../lib/sound-preference.ts'

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
  localStorage.clear()
  sessionStorage.clear()
})
