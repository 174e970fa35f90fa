import { useI18n, type MessageKey } from '../lib/i18n/i18n.ts'
import type { Screen } from '../lib/permissions.ts'
import { hrefFor } from '../lib/router.ts'

const LABELS: Record<Screen, MessageKey> = {
  queue: 'nav.queue',
  devices: 'nav.devices',
  residents: 'nav.residents',
  visits: 'nav.visits',
  reports: 'nav.reports',
  supervision: 'nav.supervision',
  admin: 'nav.admin'
}

/** The screens this user's role may open, as plain links (hash routes): keyboard and screen-reader friendly. */
export function AppNav ({ screens, current }: { screens: readonly Screen[], current: Screen }) {
  const { t } = useI18n()
  return (
    <nav className='app-nav' aria-label={t('nav.label')}>
      <ul>
        {screens.map((s) => (
          <li key={s}>
            <a href={hrefFor(s === 'queue' ? '' : s)} aria-current={s === current ? 'page' : undefined} data-testid={`nav-${s}`}>
              {t(LABELS[s])}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}
