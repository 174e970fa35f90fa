import { useMemo, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import type { AreaSummary } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { downloadStatement, generateStatement, getStatements, statementsParams, useStatements, type StatementSummary } from '../api/statements.ts'
import { AreaSelect } from './area-select.tsx'

/** The calendar month before the browser's current one, `YYYY-MM` (statements cover past months only). */
export function lastMonth (now = new Date()): string {
  const d = new Date(now.getFullYear(), now.getMonth() - 1, 1)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

/** Reasons shorter than this are refused by the platform (POST /api/statements). */
const MIN_REASON = 4

interface Pending { areaId: string, month: string, latest: number | null }

/**
 * The monthly statements kept for an area subtree (issue 16), newest month first, every version:
 * filtered by area and month; each opens as PDF or CSV (audited exports). Roles with
 * `statement.generate` generate a month that has none, and regenerate one only through an explicit
 * confirmation with a reason — the platform keeps the earlier versions as published and audits it.
 */
export function StatementsList ({ areas, canGenerate }: { areas: readonly AreaSummary[], canGenerate: boolean }) {
  const { t, formatDateTime } = useI18n()
  const [areaId, setAreaId] = useState('')
  const [month, setMonth] = useState('')
  const list = useStatements(statementsParams(areaId === '' ? null : areaId, month === '' ? null : month))
  const download = useMutation(downloadStatement)
  const [pending, setPending] = useState<Pending | null>(null)
  const [done, setDone] = useState<StatementSummary | null>(null)
  const nameOf = (id: string) => areas.find((a) => a.id === id)?.name ?? id
  const all = list.data ?? []
  const latest = useMemo(() => {
    const m = new Map<string, number>()
    for (const s of all) m.set(`${s.areaId}|${s.month}`, Math.max(m.get(`${s.areaId}|${s.month}`) ?? 0, s.version))
    return m
  }, [all])
  const ask = (p: Pending) => { setDone(null); setPending(p) }

  return (
    <div data-testid='statements-list'>
      <form className='filters filters--compact' onSubmit={(e) => { e.preventDefault() }}>
        <AreaSelect label={t('supervision.area')} areas={areas} value={areaId} onChange={(id) => { setAreaId(id); setPending(null) }} mine={t('reports.myArea')} testId='statements-area' />
        <label className='field'>
          <span className='field__label'>{t('supervision.statements.month')}</span>
          <input className='field__input' type='month' value={month} onChange={(e) => { setMonth(e.target.value) }} data-testid='statements-month' />
        </label>
      </form>
      {canGenerate && pending === null && (
        <GenerateForm key={areaId} areas={areas} defaultAreaId={areaId === '' ? areas[0]?.id ?? '' : areaId} onAsk={ask} />
      )}
      {canGenerate && pending !== null && (
        <ConfirmGenerate pending={pending} areaName={nameOf(pending.areaId)} onCancel={() => { setPending(null) }}
          onDone={(s) => { setPending(null); setDone(s); setMonth(''); list.reload() }}
        />
      )}
      {done !== null && <p role='status' data-testid='statements-done'>{t('supervision.statements.generated', { area: nameOf(done.areaId), month: done.month, version: done.version })}</p>}
      <ErrorMessage error={download.error === null ? null : describeApiError(download.error, t)} />
      {list.error !== null && <ErrorMessage error={describeApiError(list.error, t)} />}
      {list.data === null
        ? list.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : all.length === 0
          ? <p className='muted' data-testid='statements-empty'>{t('supervision.statements.none')}</p>
          : (
            <table className='data-table' data-testid='statements-table'>
              <thead>
                <tr>
                  <th scope='col'>{t('supervision.statements.month')}</th>
                  <th scope='col'>{t('supervision.area')}</th>
                  <th scope='col'>{t('supervision.statements.version')}</th>
                  <th scope='col'>{t('supervision.statements.generatedAt')}</th>
                  <th scope='col'>{t('supervision.statements.generatedBy')}</th>
                  <th scope='col'>{t('supervision.statements.reason')}</th>
                  <th scope='col'><span className='visually-hidden'>{t('supervision.actions')}</span></th>
                </tr>
              </thead>
              <tbody>
                {all.map((s) => {
                  const isLatest = latest.get(`${s.areaId}|${s.month}`) === s.version
                  return (
                    <tr key={s.id} data-testid='statement-row' data-month={s.month} data-version={s.version}>
                      <td>{s.month}</td>
                      <th scope='row'>{nameOf(s.areaId)}</th>
                      <td>{`v${s.version}`}{!isLatest && <span className='muted'> {t('supervision.statements.superseded')}</span>}</td>
                      <td>{formatDateTime(s.generatedAt)}</td>
                      <td>{s.generatedBy === 'system' ? t('supervision.statements.system') : s.generatedBy}</td>
                      <td>{s.reason ?? '—'}</td>
                      <td className='row-actions'>
                        <button type='button' className='link-button' disabled={download.pending} onClick={() => { void download.run(s, 'pdf') }} data-testid='statement-pdf'>{t('supervision.statements.pdf')}</button>
                        {' '}<button type='button' className='link-button' disabled={download.pending} onClick={() => { void download.run(s, 'csv') }} data-testid='statement-csv'>{t('supervision.statements.csv')}</button>
                        {canGenerate && isLatest && (
                          <>{' '}<button type='button' className='link-button' onClick={() => { ask({ areaId: s.areaId, month: s.month, latest: s.version }) }} data-testid='statement-regenerate'>{t('supervision.statements.regenerate')}</button></>
                        )}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
            )}
    </div>
  )
}

/**
 * Area and month to generate; before confirming, asks the platform whether that month already has
 * a statement (the list on screen may be filtered to another month), so the confirmation knows
 * whether this is a regeneration that needs a reason.
 */
function GenerateForm ({ areas, defaultAreaId, onAsk }: { areas: readonly AreaSummary[], defaultAreaId: string, onAsk: (p: Pending) => void }) {
  const { t } = useI18n()
  const [areaId, setAreaId] = useState(defaultAreaId)
  const [month, setMonth] = useState(lastMonth)
  const look = useMutation(async (a: string, m: string) => {
    const versions = (await getStatements(statementsParams(a, m))).filter((s) => s.areaId === a).map((s) => s.version)
    return { areaId: a, month: m, latest: versions.length === 0 ? null : Math.max(...versions) }
  })
  async function submit () {
    if (areaId === '' || month === '') return
    const p = await look.run(areaId, month)
    if (p !== null) onAsk(p)
  }
  return (
    <form className='filters filters--compact' onSubmit={(e) => { e.preventDefault(); void submit() }} data-testid='statements-generate-form'>
      <AreaSelect label={t('supervision.statements.generateFor')} areas={areas} value={areaId} onChange={setAreaId} testId='statements-generate-area' />
      <label className='field'>
        <span className='field__label'>{t('supervision.statements.month')}</span>
        <input className='field__input' type='month' max={lastMonth()} value={month} onChange={(e) => { setMonth(e.target.value) }} required data-testid='statements-generate-month' />
      </label>
      <button type='submit' className='button' disabled={look.pending} data-testid='statements-generate'>{t('supervision.statements.generate')}</button>
      <ErrorMessage error={look.error === null ? null : describeApiError(look.error, t)} />
    </form>
  )
}

/**
 * The explicit step before a statement is generated: for a month that has one, it names the
 * version that stays as published and asks why it is regenerated (the platform requires and
 * audits the reason); a first generation is confirmed without one.
 */
function ConfirmGenerate ({ pending, areaName, onCancel, onDone }: { pending: Pending, areaName: string, onCancel: () => void, onDone: (s: StatementSummary) => void }) {
  const { t } = useI18n()
  const [reason, setReason] = useState('')
  const run = useMutation(generateStatement)
  const regenerate = pending.latest !== null
  const short = regenerate && reason.trim().length < MIN_REASON
  async function confirm () {
    const s = await run.run({ areaId: pending.areaId, month: pending.month, ...(regenerate ? { reason: reason.trim() } : {}) })
    if (s !== null) onDone(s)
  }
  return (
    <div className='admin-form' role='alertdialog' aria-labelledby='statement-confirm-title' data-testid='statement-confirm'>
      <h2 id='statement-confirm-title' className='detail__section-title'>
        {regenerate
          ? t('supervision.statements.confirmRegenerate', { area: areaName, month: pending.month, version: pending.latest ?? 0, next: (pending.latest ?? 0) + 1 })
          : t('supervision.statements.confirmGenerate', { area: areaName, month: pending.month })}
      </h2>
      {regenerate && (
        <label className='field'>
          <span className='field__label'>{t('supervision.statements.reasonLabel')}</span>
          <textarea className='field__input' value={reason} onChange={(e) => { setReason(e.target.value) }} maxLength={500} rows={2} data-testid='statement-reason' />
          <span className='field__hint muted'>{t('supervision.statements.reasonHint', { min: MIN_REASON })}</span>
        </label>
      )}
      <ErrorMessage error={run.error === null ? null : describeApiError(run.error, t)} />
      <button type='button' className='button' disabled={run.pending || short} onClick={() => { void confirm() }} data-testid='statement-confirm-button'>
        {regenerate ? t('supervision.statements.confirmRegenerateButton') : t('supervision.statements.generate')}
      </button>
      {' '}<button type='button' className='link-button' onClick={onCancel} data-testid='statement-cancel'>{t('supervision.cancel')}</button>
    </div>
  )
}
