import { useEffect, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { ShareBar } from '../../../components/share-bar.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { can } from '../../../lib/permissions.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { useSession } from '../../auth/session.ts'
import { startWelfareRound, useWelfareRound, useWelfareRounds } from '../api/welfare-rounds.ts'

/** How often a running round's progress is fetched again, in ms. */
const REFRESH_MS = 10_000

/**
 * Welfare rounds (平安巡查): check on everyone of an area at once. Supervisors start a round;
 * everyone sees a round's progress per community and every resident not yet confirmed.
 */
export function WelfareRoundsPanel () {
  const { t, formatDateTime } = useI18n()
  const role = useSession().session?.user.role
  const rounds = useWelfareRounds()
  const [selected, setSelected] = useState<string | null>(null)
  const [generation, setGeneration] = useState(0)
  const current = selected ?? rounds.data?.[0]?.id ?? null
  const round = useWelfareRound(current, generation)
  const running = round.data?.status === 'running'
  useEffect(() => {
    if (!running) return
    const timer = setInterval(() => { setGeneration((g) => g + 1) }, REFRESH_MS)
    return () => { clearInterval(timer) }
  }, [running])

  const r = round.data
  return (
    <section className='report-card welfare-rounds' aria-labelledby='welfare-title' data-testid='welfare-rounds'>
      <h2 id='welfare-title' className='detail__section-title'>{t('welfare.title')}</h2>
      {role !== undefined && can(role, 'visit.plan') && <StartRoundForm onStarted={(id) => { rounds.reload(); setSelected(id) }} />}
      {rounds.error !== null && <ErrorMessage error={describeApiError(rounds.error, t)} />}
      {rounds.data !== null && rounds.data.length > 0 && (
        <SelectField label={t('welfare.round')} value={current ?? ''} testId='welfare-round-select'
          options={rounds.data.map((x) => ({ value: x.id, label: `${formatDateTime(x.startedAt)} · ${x.message.slice(0, 20)}` }))}
          onChange={(v) => { setSelected(v) }}
        />
      )}
      {rounds.data !== null && rounds.data.length === 0 && <p className='muted'>{t('welfare.none')}</p>}
      {r !== null && (
        <div data-testid='welfare-round' data-status={r.status}>
          <p className='muted'>{r.message}</p>
          <p role='status' data-testid='welfare-progress'>
            {t(r.status === 'running' ? 'welfare.running' : 'welfare.closed', { deadline: formatDateTime(r.deadline) })}
            {' · '}{t('welfare.progress', { confirmed: r.confirmed, total: r.total, unconfirmed: r.unconfirmed })}
          </p>
          <p className='muted' data-testid='welfare-by-kind'>
            {t('welfare.byKind', { checkin: r.byKind.checkin, call: r.byKind.call, visit: r.byKind.visit + r.byKind.phone, sent: r.speak.sent, acked: r.speak.acked })}
          </p>
          {r.byCommunity.map((c) => (
            <ShareBar key={c.areaId} label={t('welfare.community', { name: c.name, confirmed: c.confirmed, total: c.total })} share={c.total === 0 ? null : c.confirmed / c.total} testId={`welfare-community-${c.areaId}`} />
          ))}
          {r.status === 'closed' && <p data-testid='welfare-raised'>{t('welfare.raised', { incidents: r.incidents, visits: r.visitTasks })}</p>}
          {r.unconfirmedResidents.length > 0 && (
            <>
              <h3 className='bars__title'>{t('welfare.unconfirmed', { count: r.unconfirmedResidents.length })}</h3>
              <ul className='tag-list' data-testid='welfare-unconfirmed'>
                {r.unconfirmedResidents.map((u) => <li key={u.residentId} className='tag'><a href={`#/residents/${encodeURIComponent(u.residentId)}`}>{u.name}</a></li>)}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  )
}

function StartRoundForm ({ onStarted }: { onStarted: (id: string) => void }) {
  const { t } = useI18n()
  const areas = useAreas()
  const [areaId, setAreaId] = useState('')
  const [message, setMessage] = useState('')
  const [hours, setHours] = useState('3')
  const [onUnconfirmed, setOnUnconfirmed] = useState<'incident' | 'visit'>('incident')
  const start = useMutation(startWelfareRound)
  const area = areaId || areas.data?.[0]?.id || ''
  return (
    <form className='action-form' data-testid='welfare-start' onSubmit={(e) => {
      e.preventDefault()
      const deadline = new Date(Date.now() + Number(hours) * 3600_000).toISOString()
      void start.run({ areaId: area, message: message.trim(), deadline, onUnconfirmed }).then((r) => { if (r !== null) { setMessage(''); onStarted(r.id) } })
    }}
    >
      <SelectField label={t('welfare.area')} value={area} testId='welfare-area'
        options={(areas.data ?? []).map((a) => ({ value: a.id, label: `${'　'.repeat(a.depth)}${a.name}` }))} onChange={setAreaId}
      />
      <label className='field'>
        <span className='field__label'>{t('welfare.message')}</span>
        <textarea className='field__input' required maxLength={200} value={message} placeholder={t('welfare.messageHint')} data-testid='welfare-message' onChange={(e) => { setMessage(e.target.value) }} />
      </label>
      <SelectField label={t('welfare.deadline')} value={hours} testId='welfare-hours'
        options={['1', '3', '6', '12', '24'].map((h) => ({ value: h, label: t('welfare.hours', { hours: h }) }))} onChange={setHours}
      />
      <SelectField label={t('welfare.onUnconfirmed')} value={onUnconfirmed} testId='welfare-on-unconfirmed'
        options={[{ value: 'incident', label: t('welfare.asIncident') }, { value: 'visit', label: t('welfare.asVisit') }]} onChange={(v) => { setOnUnconfirmed(v as 'incident' | 'visit') }}
      />
      <button type='submit' className='button button--primary' disabled={start.pending || message.trim() === '' || area === ''} data-testid='welfare-submit'>{t('welfare.start')}</button>
      <ErrorMessage error={start.error === null ? null : describeApiError(start.error, t)} />
    </form>
  )
}
