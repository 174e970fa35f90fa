import { useI18n, type MessageKey } from '../../../lib/i18n/i18n.ts'
import type { AdminSection } from '../../../lib/permissions.ts'
import { hrefFor } from '../../../lib/router.ts'
import { AreasAdmin } from './areas-admin.tsx'
import { DevicesAdmin } from './devices-admin.tsx'
import { ImportAdmin } from './import-admin.tsx'
import { PolicyAdmin } from './policy-admin.tsx'
import { ResidentsAdmin } from './residents-admin.tsx'
import { RespondersAdmin } from './responders-admin.tsx'
import { SitesAdmin } from './sites-admin.tsx'
import { UsersAdmin } from './users-admin.tsx'
import { IntegrationsAdmin } from '../../integrations/components/integrations-admin.tsx'


const TITLES: Record<AdminSection, MessageKey> = {
  areas: 'admin.section.areas',
  sites: 'admin.section.sites',
  residents: 'admin.section.residents',
  devices: 'admin.section.devices',
  import: 'admin.section.import',
  users: 'admin.section.users',
  responders: 'admin.section.responders',
  policy: 'admin.section.policy',
  integrations: 'admin.section.integrations'
}

/** The registry the API offers today, one section per `#/admin/<section>`; `sections`: the role's. */
export function AdminScreen ({ section, sections }: { section: AdminSection, sections: readonly AdminSection[] }) {
  const { t } = useI18n()
  return (
    <section className='screen' aria-labelledby='admin-title' data-testid='admin-screen' data-section={section}>
      <div className='section-header'>
        <h1 id='admin-title' className='section-header__title'>{t('admin.title')} · {t(TITLES[section])}</h1>
      </div>
      <nav aria-label={t('admin.title')} className='subnav'>
        {sections.map((s) => (
          <a key={s} href={hrefFor('admin', s)} aria-current={s === section ? 'page' : undefined} data-testid={`admin-tab-${s}`}>{t(TITLES[s])}</a>
        ))}
      </nav>
      {section === 'areas' && <AreasAdmin />}
      {section === 'sites' && <SitesAdmin />}
      {section === 'residents' && <ResidentsAdmin />}
      {section === 'devices' && <DevicesAdmin />}
      {section === 'import' && <ImportAdmin />}
      {section === 'users' && <UsersAdmin />}
      {section === 'responders' && <RespondersAdmin />}
      {section === 'policy' && <PolicyAdmin />}
      {section === 'integrations' && <IntegrationsAdmin />}
    </section>
  )
}
