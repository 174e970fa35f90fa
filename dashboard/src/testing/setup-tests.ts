/** Runs before every dashboard test file: unmount what a test rendered and forget what it stored. */
import { cleanup } from '@testing-library/react'
import { afterEach, vi } from 'vitest'
import { endSession } from '../features/auth/session.ts'
import { setLocale } from '../lib/i18n/i18n.ts'
import { setSoundEnabled } from '../lib/sound-preference.ts'

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
