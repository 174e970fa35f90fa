import type { UserDto } from '@eldercare/protocols'
import { LanguageToggle } from '../components/language-toggle.tsx'
import { SoundToggle } from '../components/sound-toggle.tsx'
import { useLogout } from '../features/auth/api/logout.ts'
import { useI18n } from '../lib/i18n/i18n.ts'

export function AppHeader ({ user }: { user: UserDto | null }) {
  const { t, tOr } = useI18n()
  const logout = useLogout()
  return (
    <header className='app-header'>
      <p className='app-header__title'>
        <span aria-hidden='true' className='app-header__logo'>✚</span>
        {t('app.title')}
      </p>
      <div className='app-header__tools'>
        {user !== null && (
          <span className='app-header__user' data-testid='current-user'>
            {t('header.signedInAs', { name: user.displayName ?? user.username, role: tOr('role.', user.role) })}
          </span>
        )}
        <SoundToggle />
        <LanguageToggle />
        {user !== null && (
          <button
            type='button'
            className='button button--quiet'
            data-testid='logout-button'
            disabled={logout.pending}
            onClick={() => { void logout.run() }}
          >
            {t('header.logout')}
          </button>
        )}
      </div>
    </header>
  )
}
