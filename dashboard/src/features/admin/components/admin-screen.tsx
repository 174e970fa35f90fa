import { useI18n, type MessageKey } from '../../../lib/i18n/i18n.ts'
import { hrefFor } from '../../../lib/router.ts'
import { AreasAdmin } from './areas-admin.tsx'
import { DevicesAdmin } from './devices-admin.tsx'
import { ResidentsAdmin } from './residents-admin.tsx'
import { SitesAdmin } from './sites-admin.tsx'
import { UsersAdmin } from './users-admin.tsx'

export const ADMIN_SECTIONS = ['areas', 'sites', 'residents', 'devices', 'users'] as const
export type AdminSection = (typeof ADMIN_SECTIONS)[number]

export function isAdminSection (value: string | undefined): value is AdminSection {
  return (ADMIN_SECTIONS as readonly (string | undefined)[]).includes(value)
}

const TITLES: Record<AdminSection, MessageKey> = {
  areas: 'admin.section.areas',
  sites: 'admin.section.sites',
  residents: 'admin.section.residents',
  devices: 'admin.section.devices',
  users: 'admin.section.users'
}

/** The registry the API offers today, one section per `#/admin/<section>`. */
export function AdminScreen ({ section }: { section: AdminSection }) {
  const { t } = useI18n()
  return (
    <section className='screen' aria-labelledby='admin-title' data-testid='admin-screen' data-section={section}>
      <div className='section-header'>
        <h1 id='admin-title' className='section-header__title'>{t('admin.title')} · {t(TITLES[section])}</h1>
      </div>
      <nav aria-label={t('admin.title')} className='subnav'>
        {ADMIN_SECTIONS.map((s) => (
          <a key={s} href={hrefFor('admin', s)} aria-current={s === section ? 'page' : undefined} data-testid={`admin-tab-${s}`}>{t(TITLES[s])}</a>
        ))}
      </nav>
      {section === 'areas' && <AreasAdmin />}
      {section === 'sites' && <SitesAdmin />}
      {section === 'residents' && <ResidentsAdmin />}
      {section === 'devices' && <DevicesAdmin />}
      {section === 'users' && <UsersAdmin />}
    </section>
  )
}
