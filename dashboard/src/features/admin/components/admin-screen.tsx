import { SectionedScreen } from '../../../components/sectioned-screen.tsx'
import type { MessageKey } from '../../../lib/i18n/i18n.ts'
import type { AdminSection } from '../../../lib/permissions.ts'
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
  return (
    <SectionedScreen screen='admin' title='admin.title' titles={TITLES} section={section} sections={sections}>
      {section === 'areas' && <AreasAdmin />}
      {section === 'sites' && <SitesAdmin />}
      {section === 'residents' && <ResidentsAdmin />}
      {section === 'devices' && <DevicesAdmin />}
      {section === 'import' && <ImportAdmin />}
      {section === 'users' && <UsersAdmin />}
      {section === 'responders' && <RespondersAdmin />}
      {section === 'policy' && <PolicyAdmin />}
      {section === 'integrations' && <IntegrationsAdmin />}
    </SectionedScreen>
  )
}
