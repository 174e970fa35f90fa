import type { IncidentDto } from '@eldercare/protocols'
import { useCallback, useEffect } from 'react'
import { AdminScreen } from '../features/admin/components/admin-screen.tsx'
import { LoginPage } from '../features/auth/components/login-page.tsx'
import { getToken, useSession, type Session } from '../features/auth/session.ts'
import { DevicesScreen } from '../features/devices/components/devices-screen.tsx'
import { IncidentsConsole } from '../features/incidents/components/incidents-console.tsx'
import { ReportsScreen } from '../features/reports/components/reports-screen.tsx'
import { ResidentsScreen } from '../features/residents/components/residents-screen.tsx'
import { SupervisionScreen } from '../features/supervision/components/supervision-screen.tsx'
import { DailyCheckinSection } from '../features/welfare-rounds/components/daily-checkin-form.tsx'
import { ResidentCalls } from '../features/calls/components/resident-calls.tsx'
import { VisitsScreen } from '../features/visits/components/visits-screen.tsx'
import { WallScreen } from '../features/wall/components/wall-screen.tsx'
import { SafeZoneEditor } from '../features/maps/components/safe-zone-editor.tsx'
import { requestNotificationPermission } from '../lib/browser-notification.ts'
import { useI18n } from '../lib/i18n/i18n.ts'
import { adminSectionsFor, can, screensFor, supervisionSectionsFor, type AdminSection, type SupervisionSection } from '../lib/permissions.ts'
import { useRoute } from '../lib/router.ts'
import { unlockAudio } from '../lib/tone-player.ts'
import { AppHeader } from './app-header.tsx'
import { AppNav } from './app-nav.tsx'
import { IncidentContext } from './incident-context.tsx'
import { resolveRoute } from './routes.ts'

/** The sign-in click is the user gesture browsers want before audio and notifications. */
function onSignInGesture (): void {
  unlockAudio()
  requestNotificationPermission()
}

/** Signed out: the login form. Signed in: the screens the user's role allows. */
export function App () {
  const { session, endedBecause } = useSession()
  const { locale, t } = useI18n()
  const route = useRoute()

  useEffect(() => {
    document.documentElement.lang = locale
    document.title = t('app.title')
  }, [locale, t])

  // The control-room wall screen (#/wall, issue 15): the whole display, no header, nothing to click.
  if (session !== null && route.segments[0] === 'wall' && can(session.user.role, 'incident.read')) return <WallScreen key={session.token} getToken={getToken} />

  return (
    <>
      {session !== null && (
        // Hash routes own the URL fragment, so the skip link moves focus itself instead of jumping to `#main`.
        <a className='skip-link' href='#main' onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus() }}>{t('app.skipToMain')}</a>
      )}
      <AppHeader user={session?.user ?? null} />
      {session === null
        ? <LoginPage notice={endedBecause === 'expired' ? t('login.sessionExpired') : null} onSubmitGesture={onSignInGesture} />
        // Keyed by token: a new session gets a fresh queue and a fresh socket.
        : <SignedIn key={session.token} session={session} />}
    </>
  )
}

/** The resident card's safe zone (issue 15): on the map for readers, editable by supervisors. */
function SafeZoneSection ({ residentId, siteId, canEdit }: { residentId: string, siteId: string, canEdit: boolean }) {
  const { t } = useI18n()
  return (
    <>
      <h3 className='detail__section-title'>{t('safeZone.title')}</h3>
      <SafeZoneEditor residentId={residentId} siteId={siteId} canEdit={canEdit} />
    </>
  )
}

/** The section named in the route when the role has it, else the role's first. */
function adminSection (param: string | null, allowed: readonly AdminSection[]): AdminSection {
  return allowed.find((s) => s === param) ?? allowed[0]
}

/** The supervision section named in the route when the role has it, else the role's first. */
function supervisionSection (param: string | null, allowed: readonly SupervisionSection[]): SupervisionSection {
  return allowed.find((s) => s === param) ?? allowed[0]
}

function SignedIn ({ session }: { session: Session }) {
  const role = session.user.role
  const screens = screensFor(role)
  const { screen, param } = resolveRoute(useRoute(), screens)
  const canCommand = can(role, 'device.command')
  const canReveal = can(role, 'resident.reveal')
  const renderContext = useCallback((incident: IncidentDto) => <IncidentContext incident={incident} canCommand={canCommand} canReveal={canReveal} />, [canCommand, canReveal])

  return (
    <>
      <AppNav screens={screens} current={screen} />
      <main id='main' className='app-main' tabIndex={-1}>
        {/* The queue stays mounted on every screen: its socket, sound and P1 repeat must never stop. */}
        {screens.includes('queue') && (
          <div hidden={screen !== 'queue'} data-testid='queue-screen'>
            <IncidentsConsole getToken={getToken} canAct={can(role, 'incident.act')} active={screen === 'queue'} renderContext={renderContext} selectId={screen === 'queue' ? param : null} />
          </div>
        )}
        {screen === 'devices' && <DevicesScreen getToken={getToken} canCommand={canCommand} />}
        {screen === 'residents' && (
          <ResidentsScreen
            selectedId={param} showHistory={can(role, 'incident.read')} showVitals={can(role, 'vitals.read')} canReveal={canReveal} canTune={can(role, 'detection.write')}
            showAssessments={can(role, 'assessment.read')} canAssess={can(role, 'assessment.record')}
            extra={(residentId, siteId) => (
              <>
                {can(role, 'vitals.read') && <SafeZoneSection residentId={residentId} siteId={siteId} canEdit={can(role, 'detection.write')} />}
                {can(role, 'welfare.read') && <DailyCheckinSection residentId={residentId} canEdit={can(role, 'checkin.plan')} />}
                {can(role, 'call.read') && <ResidentCalls residentId={residentId} canSetAutoAnswer={can(role, 'call.settings')} />}
              </>
            )}
          />
        )}
        {screen === 'visits' && <VisitsScreen canRecord={can(role, 'visit.record')} canPlan={can(role, 'visit.plan')} />}
        {screen === 'reports' && <ReportsScreen />}
        {screen === 'supervision' && (
          <SupervisionScreen section={supervisionSection(param, supervisionSectionsFor(role))} sections={supervisionSectionsFor(role)}
            permissions={{ canWriteTargets: can(role, 'target.write'), canGenerate: can(role, 'statement.generate') }}
          />
        )}
        {screen === 'admin' && <AdminScreen section={adminSection(param, adminSectionsFor(role))} sections={adminSectionsFor(role)} />}
      </main>
    </>
  )
}
