/**
 * The signed-in session: token and user, kept in sessionStorage so it survives a reload but not
 * the closing of the tab. The last username is kept apart so the login form can refill it after
 * a logout or an expired token.
 */
import { isLoginResponse, type LoginResponse } from '@eldercare/protocols'
import { appConfig } from '../../config/app-config.ts'
import { createStore, useStore } from '../../lib/create-store.ts'
import { readStored, readStoredJson, writeStored } from '../../lib/storage.ts'

export type Session = LoginResponse

export interface SessionState {
  session: Session | null
  /** Why the operator is looking at the login form, if the console sent them there. */
  endedBecause: 'expired' | null
}

function isUnexpired (session: Session): boolean {
  const expires = Date.parse(session.expiresAt)
  return Number.isNaN(expires) || expires > Date.now()
}

function restore (): Session | null {
  const stored = readStoredJson('session', appConfig.storageKeys.session, isLoginResponse)
  return stored !== null && isUnexpired(stored) ? stored : null
}

const sessionStore = createStore<SessionState>({ session: null, endedBecause: null })

/*
 * The token stops working at `expiresAt`; end the session then rather than waiting for the next
 * request to fail, so an idle console does not sit signed in with a dead token.
 */
let expiryTimer: ReturnType<typeof setTimeout> | null = null
/** setTimeout's ceiling (about 24.8 days), in milliseconds. */
const MAX_TIMER_MS = 2 ** 31 - 1

function watchExpiry (session: Session | null): void {
  if (expiryTimer !== null) clearTimeout(expiryTimer)
  expiryTimer = null
  const expires = session === null ? Number.NaN : Date.parse(session.expiresAt)
  if (Number.isNaN(expires)) return
  expiryTimer = setTimeout(() => {
    if (Date.now() >= expires) endSession('expired')
    else watchExpiry(session)
  }, Math.min(MAX_TIMER_MS, Math.max(0, expires - Date.now())))
}

function publish (state: SessionState): void {
  sessionStore.set(state)
  watchExpiry(state.session)
}

publish({ session: restore(), endedBecause: null })

export function getToken (): string | null {
  return sessionStore.get().session?.token ?? null
}

export function startSession (session: Session): void {
  writeStored('session', appConfig.storageKeys.session, JSON.stringify(session))
  writeStored('local', appConfig.storageKeys.lastUsername, session.user.username)
  publish({ session, endedBecause: null })
}

/** Ends the session; `expired` when the server refused the token rather than the operator leaving. */
export function endSession (reason: 'logout' | 'expired'): void {
  writeStored('session', appConfig.storageKeys.session, null)
  if (sessionStore.get().session === null) return
  publish({ session: null, endedBecause: reason === 'expired' ? 'expired' : null })
}

export function lastUsername (): string {
  return readStored('local', appConfig.storageKeys.lastUsername) ?? ''
}

export function useSession (): SessionState {
  return useStore(sessionStore)
}
