import { useMemo, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { downloadReportCsv } from '../api/download-report-csv.ts'
import { ACK_BUCKETS, reportParams, useReport } from '../api/get-report.ts'
import { ShareBar } from '../../../components/share-bar.tsx'
import { PopulationPanel } from '../../supervision/components/population-panel.tsx'

const PERIODS = [7, 30, 90] as const

/** Seconds as `1 分 05 秒` / `1 min 05 s`; null as a dash. */
function useSeconds () {
  const { t } = useI18n()
  return (s: number | null) => {
    if (s === null) return '—'
    const whole = Math.round(s)
    return whole < 60 ? t('reports.seconds', { s: whole }) : t('reports.minutes', { m: Math.floor(whole / 60), s: String(whole % 60).padStart(2, '0') })
  }
}

/**
 * The response-time report (issue 6) for an area subtree and period: how fast alarms were
 * acknowledged against the targets, what they were, on-scene times, breaches, devices; CSV export.
 */
export function ReportsScreen () {
  const { t, tOr } = useI18n()
  const areas = useAreas()
  const [areaId, setAreaId] = useState<string>('')
  const [days, setDays] = useState<number>(30)
  const [popDate, setPopDate] = useState<string>(() => new Date().toISOString().slice(0, 10))
  const params = useMemo(() => reportParams({ areaId: areaId === '' ? null : areaId, days }, Date.now()), [areaId, days])
  const report = useReport(params)
  const csv = useMutation(downloadReportCsv)
  const seconds = useSeconds()
  const r = report.data

  return (
    <section className='screen' aria-labelledby='reports-title' data-testid='reports-screen'>
      <div className='section-header'>
        <h1 id='reports-title' className='section-header__title'>{t('reports.title')}{r !== null && <span className='muted'> · {r.area.name}</span>}</h1>
      </div>
      <form className='filters filters--compact' onSubmit={(e) => { e.preventDefault() }}>
        <SelectField label={t('reports.area')} value={areaId} options={(areas.data ?? []).map((a) => ({ value: a.id, label: `${'　'.repeat(a.depth)}${a.name}` }))}
          placeholder={{ value: '', label: t('reports.myArea') }} onChange={setAreaId} testId='reports-area'
        />
        <SelectField label={t('reports.period')} value={String(days)} options={PERIODS.map((d) => ({ value: String(d), label: t('reports.lastDays', { days: d }) }))}
          onChange={(v) => { setDays(Number(v)) }} testId='reports-period'
        />
        <button type='button' className='button' disabled={csv.pending} onClick={() => { void csv.run(params) }} data-testid='reports-csv'>{t('reports.csv')}</button>
      </form>
      <ErrorMessage error={csv.error === null ? null : describeApiError(csv.error, t)} />
      {report.error !== null && <ErrorMessage error={describeApiError(report.error, t)} />}
      {r === null
        ? report.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : (
          <div className='report-grid'>
            <section className='report-card' aria-labelledby='rep-ack'>
              <h2 id='rep-ack' className='detail__section-title'>{t('reports.ack')}</h2>
              <ShareBar label={t('reports.within60')} share={r.acknowledge.within60s} target={r.acknowledge.targets.within60s}
                metLabel={t('reports.met', { target: r.acknowledge.targets.within60s * 100 })} missedLabel={t('reports.missed', { target: r.acknowledge.targets.within60s * 100 })} testId='reports-within60'
              />
              <ShareBar label={t('reports.within180')} share={r.acknowledge.within180s} target={r.acknowledge.targets.within180s}
                metLabel={t('reports.met', { target: r.acknowledge.targets.within180s * 100 })} missedLabel={t('reports.missed', { target: r.acknowledge.targets.within180s * 100 })} testId='reports-within180'
              />
              <dl className='facts facts--compact'>
                <div className='facts__row'><dt>{t('reports.p50')}</dt><dd>{seconds(r.acknowledge.p50Seconds)}</dd></div>
                <div className='facts__row'><dt>{t('reports.p90')}</dt><dd>{seconds(r.acknowledge.p90Seconds)}</dd></div>
                <div className='facts__row'><dt>{t('reports.p99')}</dt><dd>{seconds(r.acknowledge.p99Seconds)}</dd></div>
                <div className='facts__row'><dt>{t('reports.breaches')}</dt><dd>{r.slaBreaches.acknowledge}</dd></div>
              </dl>
              <Bars title={t('reports.ackDistribution')} testId='reports-ack-distribution'
                rows={ACK_BUCKETS.map((b) => ({ key: b, incidents: r.acknowledge.distribution[b] }))} label={(k) => t(`reports.bucket.${k}` as 'reports.bucket.le30s')}
              />
            </section>
            <section className='report-card' aria-labelledby='rep-inc'>
              <h2 id='rep-inc' className='detail__section-title'>{t('reports.incidents')}</h2>
              <dl className='facts facts--compact'>
                <div className='facts__row'><dt>{t('reports.total')}</dt><dd data-testid='reports-total'>{r.incidents.total}</dd></div>
                <div className='facts__row'><dt>{t('reports.alarms')}</dt><dd>{r.incidents.alarms}</dd></div>
                <div className='facts__row'><dt>{t('reports.closed')}</dt><dd>{r.incidents.closed}</dd></div>
                <div className='facts__row'><dt>{t('reports.falseAlarmRate')}</dt><dd>{r.incidents.falseAlarmRate === null ? '—' : `${Math.round(r.incidents.falseAlarmRate * 1000) / 10}%`}</dd></div>
              </dl>
              <Bars title={t('reports.byType')} rows={r.incidents.byType} label={(k) => tOr('incidentType.', k)} testId='reports-by-type' />
              <Bars title={t('reports.byPriority')} rows={r.incidents.byPriority} label={(k) => `${k} ${tOr('priority.', k)}`} />
              <Bars title={t('reports.byOutcome')} rows={r.incidents.byOutcome} label={(k) => tOr('outcome.', k)} />
              <Bars title={t('reports.byArea')} rows={r.incidents.byArea.map((a) => ({ key: a.name, incidents: a.incidents }))} label={(k) => k} testId='reports-by-area' />
              <Bars title={t('reports.byDay')} rows={r.incidents.byDay.map((d) => ({ key: d.date, incidents: d.incidents }))} label={(k) => k} testId='reports-by-day' />
            </section>
            <section className='report-card' aria-labelledby='rep-scene'>
              <h2 id='rep-scene' className='detail__section-title'>{t('reports.onScene')}</h2>
              <ShareBar label={t('reports.within45m')} share={r.onScene.within45m} />
              <ShareBar label={t('reports.within60m')} share={r.onScene.within60m} />
              <dl className='facts facts--compact'>
                <div className='facts__row'><dt>{t('reports.dispatched')}</dt><dd>{r.onScene.dispatched}</dd></div>
                <div className='facts__row'><dt>{t('reports.p50')}</dt><dd>{seconds(r.onScene.p50Seconds)}</dd></div>
                <div className='facts__row'><dt>{t('reports.breaches')}</dt><dd>{r.slaBreaches.onScene}</dd></div>
              </dl>
              <h2 className='detail__section-title'>{t('devices.title')}</h2>
              <dl className='facts facts--compact'>
                <div className='facts__row'><dt>{t('devices.online')}</dt><dd>{r.devices.online} / {r.devices.total}</dd></div>
                <div className='facts__row'><dt>{t('devices.batteryLow')}</dt><dd>{r.devices.lowBattery}</dd></div>
                <div className='facts__row'><dt>{t('reports.offline24h')}</dt><dd>{r.devices.offlineOver24h}</dd></div>
              </dl>
            </section>
          </div>
          )}
      <div className='filters filters--compact'>
        <label>{t('population.date')} <input type='date' value={popDate} onChange={(e) => { if (e.target.value) setPopDate(e.target.value) }} data-testid='population-date' /></label>
      </div>
      <PopulationPanel areaId={areaId === '' ? null : areaId} date={popDate} />
    </section>
  )
}

/** A breakdown as horizontal bars with counts in numbers, in the order given (the API sorts breakdowns longest first). */
function Bars ({ title, rows, label, testId }: { title: string, rows: Array<{ key: string | null, incidents: number }>, label: (key: string) => string, testId?: string }) {
  const max = Math.max(1, ...rows.map((r) => r.incidents))
  if (rows.length === 0) return null
  return (
    <div className='bars' data-testid={testId}>
      <h3 className='bars__title'>{title}</h3>
      <ul>
        {rows.map((r) => (
          <li key={r.key ?? '—'} className='bars__row'>
            <span className='bars__label'>{r.key === null ? '—' : label(r.key)}</span>
            <span className='bars__track' aria-hidden='true'><span className='bars__fill' style={{ width: `${(r.incidents / max) * 100}%` }} /></span>
            <span className='bars__value'>{r.incidents}</span>
          </li>
        ))}
      </ul>
    </div>
  )
}
