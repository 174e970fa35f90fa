/**
 * One-time wiring of the shared layers to the session, done before the first render: the API
 * client learns where the token lives and what a 401 means; audio is unlocked by the first gesture.
 */
import { endSession, getToken } from '../features/auth/session.ts'
import { configureApiClient } from '../lib/api-client.ts'
import { unlockAudio } from '../lib/tone-player.ts'

export function configureApp (): void {
  configureApiClient({
    getToken,
    // Revoked or expired token: back to the login form, username kept.
    onUnauthorized: () => { endSession('expired') }
  })
  // A session restored after a reload has had no login click; the first key or pointer press
  // (a user gesture) lets the browser play alarm audio.
  const unlock = () => {
    unlockAudio()
    window.removeEventListener('pointerdown', unlock, true)
    window.removeEventListener('keydown', unlock, true)
  }
  window.addEventListener('pointerdown', unlock, true)
  window.addEventListener('keydown', unlock, true)
}
