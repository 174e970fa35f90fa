import { useMemo, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { ShareBar } from '../../../components/share-bar.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { hrefFor } from '../../../lib/router.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { useOverdueVisits } from '../api/get-overdue-visits.ts'
import { useVisitCoverage } from '../api/get-visit-coverage.ts'
import { useVisits } from '../api/get-visits.ts'
import { planMonthVisits } from '../api/plan-month-visits.ts'
import { monthRange, type Visit } from '../lib/visit.ts'
import { WelfareRoundsPanel } from '../../welfare-rounds/components/welfare-rounds-panel.tsx'
import { RecordVisitForm } from './record-visit-form.tsx'
import type { Recorded } from '../api/record-visit.ts'
import { StatusConfirmDialog, type StatusOffer } from '../../residents/components/status-confirm-dialog.tsx'

export interface VisitsScreenProps {
  /** Operators, supervisors, administrators: POST /api/visits/:id/record. */
  canRecord: boolean
  /** Supervisors and administrators: POST /api/visits/plan-month. */
  canPlan: boolean
}

/**
 * Visits (探访关爱): this month's planned visits with the overdue ones first and marked in words,
 * the month's coverage against the 100% target for the user's area and each child area, a form
 * to record a visit, and for planners the button that plans the month's round.
 */
export function VisitsScreen ({ canRecord, canPlan }: VisitsScreenProps) {
  const { t } = useI18n()
  const { month, first, last } = useMemo(() => monthRange(Date.now()), [])
  const due = useVisits({ status: 'planned', dueFrom: first, dueTo: last })
  const overdue = useOverdueVisits()
  const coverage = useVisitCoverage(month)
  const plan = useMutation(planMonthVisits)
  const [recording, setRecording] = useState<Visit | null>(null)
  const [recorded, setRecorded] = useState<Visit | null>(null)
  const [planned, setPlanned] = useState<number | null>(null)
  const [offer, setOffer] = useState<StatusOffer | null>(null)

  const overdueItems = overdue.data?.items ?? []
  const overdueIds = new Set(overdueItems.map((v) => v.id))
  // Overdue visits of this month come from both answers; they are listed once, as overdue.
  const dueItems = (due.data ?? []).filter((v) => !overdueIds.has(v.id))

  const onRecorded = ({ visit: v, suggestedStatus: s }: Recorded) => {
    setRecording(null)
    setRecorded(v)
    // An outcome of deceased (moved away, in hospital) offers the status change: asked, not applied.
    if (s !== null && v.outcome !== null) {
      setOffer({ residentId: v.residentId, residentName: v.residentName, status: s.status, statusSince: s.statusSince, reason: t('statusConfirm.reasonVisit', { status: t(`visitOutcome.${v.outcome}`) }) })
    }
    // A recorded visit is no longer planned: off both lists at once, then the server's word.
    due.setData((due.data ?? []).filter((x) => x.id !== v.id))
    if (overdue.data !== null) overdue.setData({ ...overdue.data, items: overdue.data.items.filter((x) => x.id !== v.id) })
    overdue.reload()
    coverage.reload()
  }

  const onPlan = async () => {
    setPlanned(null)
    const result = await plan.run(month)
    if (result === null) return
    setPlanned(result.created)
    due.reload()
    overdue.reload()
  }

  const row = (v: Visit, late: boolean) => (
    <tr key={v.id} className={late ? 'visit-row visit-row--overdue' : 'visit-row'} data-testid='visit-row' data-overdue={late}>
      <td>
        {/* the card has the care call (爱的眼睛): a worker on a visit round can call from there, and record the call as this visit */}
        <a href={hrefFor('residents', v.residentId)} title={t('visits.openCard')} data-testid='visit-resident-link'>{v.residentName}</a>
        {late && <span className='visit-overdue' data-testid='visit-overdue'> {t('visits.overdue')}</span>}
      </td>
      <td>{v.areaName}</td>
      <td>{v.dueDate}</td>
      <td>{v.visitor.name ?? '—'}</td>
      {canRecord && (
        <td>
          <button type='button' className='button' aria-label={t('visits.recordFor', { name: v.residentName })} onClick={() => { setRecorded(null); setRecording(v) }} data-testid='visit-record'>
            {t('visits.record')}
          </button>
        </td>
      )}
    </tr>
  )

  const table = (items: Visit[], late: boolean, testId: string) => (
    <table className='data-table' data-testid={testId}>
      <thead>
        <tr>
          <th scope='col'>{t('visits.resident')}</th><th scope='col'>{t('visits.area')}</th><th scope='col'>{t('visits.dueDate')}</th><th scope='col'>{t('visits.visitor')}</th>
          {canRecord && <th scope='col'><span className='visually-hidden'>{t('visits.record')}</span></th>}
        </tr>
      </thead>
      <tbody>{items.map((v) => row(v, late))}</tbody>
    </table>
  )

  /** One list of visits with its heading, inline error, loading note or empty note. */
  const list = (name: 'overdue' | 'due', title: string, query: { data: unknown, error: Error | null, loading: boolean }, items: Visit[], empty: string, late: boolean) => (
    <section aria-labelledby={`visits-${name}-title`}>
      <h2 id={`visits-${name}-title`} className='detail__section-title'>{title}</h2>
      {query.error !== null && <ErrorMessage error={describeApiError(query.error, t)} testId={`visits-${name}-error`} />}
      {query.data === null
        ? query.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : items.length === 0 ? <p className='muted'>{empty}</p> : table(items, late, `visits-${name}`)}
    </section>
  )

  const c = coverage.data
  const targetPct = c === null ? 100 : c.target * 100
  return (
    <section className='screen' aria-labelledby='visits-title' data-testid='visits-screen'>
      <div className='section-header'>
        <h1 id='visits-title' className='section-header__title'>{t('visits.title')}<span className='muted'> · {t('visits.month', { month })}</span></h1>
        {canPlan && (
          <button type='button' className='button button--primary' disabled={plan.pending} onClick={() => { void onPlan() }} data-testid='visits-plan'>
            {plan.pending ? t('visits.planning') : t('visits.plan')}
          </button>
        )}
      </div>
      {!canRecord && <p className='muted' data-testid='visits-read-only'>{t('visits.readOnly')}</p>}
      <ErrorMessage error={plan.error === null ? null : describeApiError(plan.error, t)} testId='visits-plan-error' />
      {planned !== null && <p role='status' data-testid='visits-planned'>{t('visits.planned', { count: planned, month })}</p>}
      {recorded !== null && (
        <p role='status' data-testid='visit-recorded'>
          {t('visits.recorded', { name: recorded.residentName })}
          {recorded.incidentId !== null && (
            <> <a href={hrefFor('queue', recorded.incidentId)} data-testid='visit-incident-link'>{t('visits.followUpOpened', { id: recorded.incidentId })}</a></>
          )}
        </p>
      )}

      <div className='report-grid'>
        <div className='visit-lists'>
          {recording !== null && (
            <RecordVisitForm key={recording.id} visit={recording} onRecorded={onRecorded} onCancel={() => { setRecording(null) }} />
          )}
          {offer !== null && <StatusConfirmDialog offer={offer} onClose={() => { setOffer(null) }} />}
          {list('overdue', t('visits.overdueTitle', { count: overdueItems.length }), overdue, overdueItems, t('visits.overdueNone'), true)}
          {list('due', t('visits.dueTitle', { count: dueItems.length }), due, dueItems, t('visits.dueNone'), false)}
        </div>
        <section className='report-card' aria-labelledby='visits-coverage-title' data-testid='visits-coverage'>
          <h2 id='visits-coverage-title' className='detail__section-title'>{t('visits.coverage')}</h2>
          {coverage.error !== null && <ErrorMessage error={describeApiError(coverage.error, t)} testId='visits-coverage-error' />}
          {c !== null && (
            <>
              <ShareBar label={t('visits.coverageTotal', { visited: c.total.visited, flagged: c.total.flagged })} share={c.total.rate} target={c.target}
                metLabel={t('visits.targetMet', { target: targetPct })} missedLabel={t('visits.targetMissed', { target: targetPct })} testId='visits-coverage-total'
              />
              {c.areas.map((a) => (
                <ShareBar key={a.areaId} label={t('visits.coverageArea', { name: a.name, visited: a.visited, flagged: a.flagged })} share={a.rate} target={c.target}
                  metLabel={t('visits.targetMet', { target: targetPct })} missedLabel={t('visits.targetMissed', { target: targetPct })} testId={`visits-coverage-${a.areaId}`}
                />
              ))}
            </>
          )}
          {overdue.data !== null && overdue.data.byArea.length > 0 && (
            <>
              <h3 className='bars__title'>{t('visits.overdueByArea')}</h3>
              <dl className='facts facts--compact' data-testid='visits-overdue-by-area'>
                {overdue.data.byArea.map((a) => <div key={a.areaId} className='facts__row'><dt>{a.name}</dt><dd>{a.overdue}</dd></div>)}
              </dl>
            </>
          )}
        </section>
      </div>
      <WelfareRoundsPanel />
    </section>
  )
}
