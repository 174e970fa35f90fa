import type { ReactNode } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useResident } from '../api/get-resident.ts'
import { ResidentCard } from './resident-card.tsx'
import { ResidentStatusSection } from './resident-status-section.tsx'
import { ResidentIncidentHistory } from './resident-incident-history.tsx'
import { VitalsCharts } from './vitals-charts.tsx'
import { DetectionSettingsForm } from './detection-settings-form.tsx'
import { ResidentAssessments } from '../../supervision/components/resident-assessments.tsx'

/**
 * The resident's card, 24 h of vitals and incident history; `showHistory` is off where an incident
 * is already on screen, whose moment `alarmAt` the charts then mark.
 */
export function ResidentDetail ({ residentId, showHistory = true, showVitals = true, alarmAt, canReveal = false, canTune = false, showAssessments = false, canAssess = false, extra }: { residentId: string, showHistory?: boolean, showVitals?: boolean, alarmAt?: string | null, canReveal?: boolean, canTune?: boolean, showAssessments?: boolean, canAssess?: boolean, /** composed by the app (e.g. the safe zone map), given the resident's site */ extra?: (siteId: string) => ReactNode }) {
  const { t } = useI18n()
  const resident = useResident(residentId)
  return (
    <div className='resident-detail' data-testid='resident-detail'>
      {resident.error !== null && <ErrorMessage error={describeApiError(resident.error, t)} />}
      {resident.data === null
        ? resident.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : <ResidentCard resident={resident.data} canReveal={canReveal} />}
      {resident.data !== null && <ResidentStatusSection key={resident.data.id} resident={resident.data} onChanged={resident.reload} />}
      {extra !== undefined && resident.data !== null && extra(resident.data.siteId)}
      {showVitals && (
        <>
          <h3 className='detail__section-title'>{t('vitals.title')}</h3>
          <VitalsCharts residentId={residentId} alarmAt={alarmAt} />
        </>
      )}
      {showAssessments && (
        <>
          <h3 className='detail__section-title'>{t('assessment.title')}</h3>
          <ResidentAssessments residentId={residentId} canRecord={canAssess} />
        </>
      )}
      {canTune && (
        <>
          <h3 className='detail__section-title'>{t('detection.title')}</h3>
          <DetectionSettingsForm residentId={residentId} />
        </>
      )}
      {showHistory && (
        <>
          <h3 className='detail__section-title'>{t('resident.history')}</h3>
          <ResidentIncidentHistory residentId={residentId} />
        </>
      )}
    </div>
  )
}
