import { useEffect } from 'react'
import { LoginPage } from '../features/auth/components/login-page.tsx'
import { getToken, useSession } from '../features/auth/session.ts'
import { IncidentsConsole } from '../features/incidents/components/incidents-console.tsx'
import { useI18n } from '../lib/i18n/i18n.ts'
import { unlockAudio } from '../lib/tone-player.ts'
import { AppHeader } from './app-header.tsx'

/** Signed out: the login form. Signed in: the console. No router needed for one screen each. */
export function App () {
  const { session, endedBecause } = useSession()
  const { locale, t } = useI18n()

  useEffect(() => {
    document.documentElement.lang = locale
    document.title = t('app.title')
  }, [locale, t])

  return (
    <>
      {session !== null && <a className='skip-link' href='#queue'>{t('app.skipToQueue')}</a>}
      <AppHeader user={session?.user ?? null} />
      {session === null
        ? <LoginPage notice={endedBecause === 'expired' ? t('login.sessionExpired') : null} onSubmitGesture={unlockAudio} />
        // Keyed by token: a new session gets a fresh queue and a fresh socket.
        : <main id='main' className='app-main'><IncidentsConsole key={session.token} getToken={getToken} /></main>}
    </>
  )
}
