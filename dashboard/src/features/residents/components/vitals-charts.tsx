import { Vitals, type ReadingField, type VitalPointDto } from '@eldercare/protocols'
import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { LineChart } from '../../../components/line-chart.tsx'
import { appConfig } from '../../../config/app-config.ts'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n, type MessageKey } from '../../../lib/i18n/i18n.ts'
import { useResidentVitals } from '../api/get-resident-vitals.ts'

/** The vitals an operator reads in an emergency, in the order they read them, with their units. */
const CHARTED: Array<{ field: ReadingField, label: MessageKey, unit: MessageKey }> = [
  { field: 'hr', label: 'vitals.hr', unit: 'vitals.unit.perMin' },
  { field: 'spo2', label: 'vitals.spo2', unit: 'vitals.unit.percent' },
  { field: 'rr', label: 'vitals.rr', unit: 'vitals.unit.perMin' },
  { field: 'sbp', label: 'vitals.sbp', unit: 'vitals.unit.mmHg' },
  { field: 'dbp', label: 'vitals.dbp', unit: 'vitals.unit.mmHg' },
  { field: 'temp', label: 'vitals.temp', unit: 'vitals.unit.celsius' }
]

/** [P-3.1] each vital's valid range: the axis stays inside it. */
const limitsOf = (field: ReadingField): readonly [number, number] | undefined => {
  const s = (Vitals.properties as Record<string, { minimum?: number, maximum?: number } | undefined>)[field]
  return s?.minimum !== undefined && s.maximum !== undefined ? [s.minimum, s.maximum] : undefined
}

const toPoints = (points: readonly VitalPointDto[]) => points.map((p) => ({ t: p.t, value: p.mean, low: p.min, high: p.max }))

/**
 * The last 24 h of the resident's vitals (one chart per vital that has readings), with the alarm
 * moment marked. The window is fixed when the charts open, so they do not refetch every render.
 */
export function VitalsCharts ({ residentId, alarmAt }: { residentId: string, alarmAt?: string | null }) {
  const { t, locale } = useI18n()
  const [window] = useState(() => {
    const toMs = Date.now()
    return { fromMs: toMs - appConfig.vitalsWindowMs, toMs, step: appConfig.vitalsStep }
  })
  const vitals = useResidentVitals(residentId, window)
  const timeFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  const marker = alarmAt == null ? undefined : { t: Date.parse(alarmAt), label: t('vitals.alarm') }

  if (vitals.error !== null) return <ErrorMessage error={describeApiError(vitals.error, t)} />
  if (vitals.data === null) return <p className='muted' role='status'>{t('common.loading')}</p>
  const data = vitals.data
  const charts = CHARTED.filter((c) => (data.series[c.field]?.length ?? 0) > 0)
  if (charts.length === 0) return <p className='muted' data-testid='vitals-empty'>{t('vitals.none')}</p>
  return (
    <div className='vitals' data-testid='vitals-charts'>
      {charts.map((c) => {
        const points = toPoints(data.series[c.field] ?? [])
        const latest = data.latest[c.field]
        // The extremes of the day, not of the bucket means: a short dip is what matters.
        const summary = t('vitals.summary', {
          latest: latest === undefined ? '—' : String(latest.value),
          at: latest === undefined ? '—' : timeFormat.format(latest.at),
          min: Math.round(Math.min(...points.map((p) => p.low))),
          max: Math.round(Math.max(...points.map((p) => p.high)))
        })
        return (
          <div key={c.field}>
            <LineChart title={t(c.label)} unit={t(c.unit)} points={points} from={data.from} to={data.to} stepMs={data.stepMs}
              marker={marker} formatTime={(ms) => timeFormat.format(ms)} summary={summary} testId={`vitals-${c.field}`} limits={limitsOf(c.field)}
            />
            {/* Seen on screen; screen readers get the same words from the chart's <desc>. */}
            <p className='muted chart__summary' aria-hidden='true'>{summary}</p>
          </div>
        )
      })}
    </div>
  )
}
