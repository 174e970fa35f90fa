import type { IncidentDto } from '@eldercare/protocols'
import { getToken } from '../features/auth/session.ts'
import { SiteDevices } from '../features/devices/components/site-devices.tsx'
import { useCandidates } from '../features/incidents/api/get-candidates.ts'
import { IncidentMap } from '../features/maps/components/incident-map.tsx'
import { ResidentDetail } from '../features/residents/components/resident-detail.tsx'
import { useI18n } from '../lib/i18n/i18n.ts'

/**
 * The incident workspace's context, composed here because features do not import each other:
 * where the person and the responders are (map), who the resident is (card, history) and what is
 * installed at the site.
 */
export function IncidentContext ({ incident, canCommand, canReveal }: { incident: IncidentDto, canCommand: boolean, canReveal: boolean }) {
  const { t } = useI18n()
  // the responders to draw on the map: the candidates as the dispatch list ranks them (same distances)
  const active = incident.status !== 'resolved' && incident.status !== 'closed_false_alarm'
  const candidates = useCandidates(active ? incident.id : null, incident.updatedAt).data ?? []
  return (
    <div className='workspace-context' data-testid='incident-context'>
      <h3 className='detail__section-title'>{t('workspace.where')}</h3>
      <IncidentMap incident={incident} candidates={candidates} />
      <h3 className='detail__section-title'>{t('workspace.resident')}</h3>
      {incident.residentId === null
        ? <p className='muted'>{t('queue.noResident')}</p>
        : <ResidentDetail key={incident.residentId} residentId={incident.residentId} showHistory={false} alarmAt={incident.openedAt} canReveal={canReveal} />}
      <h3 className='detail__section-title'>{t('workspace.devices')} · {incident.siteName ?? incident.siteId}</h3>
      <SiteDevices siteId={incident.siteId} canCommand={canCommand} getToken={getToken} />
    </div>
  )
}
