import { useEffect, useRef, useState } from 'react'
import { ASSESSMENT_INDICATORS, CAPACITY_LEVEL_NAMES, computeAssessment } from '@eldercare/protocols'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { apiBlob, pathId } from '../../../lib/api-client.ts'
import { saveFile } from '../../../lib/save-file.ts'
import { useRoute } from '../../../lib/router.ts'
import { can } from '../../../lib/permissions.ts'
import { useSession } from '../../auth/session.ts'
import { markConditionChange, recordAssessment, useAssessmentForm, useAssessments, type AssessmentForm } from '../api/supervision.ts'

/**
 * A resident's GB/T 42195-2022 assessments, latest first, each with its printable form; and,
 * for assessors, the form to record one (the level shown as the scores are entered is computed
 * by the same code the platform uses; the platform adds the repeated-fall rule from incidents).
 */
export function ResidentAssessments ({ residentId, canRecord }: { residentId: string, canRecord: boolean }) {
  const { t, locale } = useI18n()
  const list = useAssessments(residentId, true)
  // The PDF needs the bearer token, so it is fetched and saved rather than linked.
  const print = useMutation(async (id: string) => { saveFile(`assessment-${id}.pdf`, await apiBlob(`/api/assessments/${pathId(id)}/pdf`)) })
  // `#/residents/<id>/assessment` (the due list's link): this section on view, the form open for those who record.
  const segments = useRoute().segments
  const asked = segments[0] === 'residents' && segments[1] === residentId && segments[2] === 'assessment'
  const [open, setOpen] = useState(asked && canRecord)
  const here = useRef<HTMLDivElement>(null)
  const loaded = list.data !== null
  useEffect(() => {
    if (asked && loaded) { here.current?.scrollIntoView?.({ block: 'start' }); here.current?.focus() }
  }, [asked, loaded])
  const levelName = (l: number) => { const e = CAPACITY_LEVEL_NAMES[l]; return e ? `${l} ${locale === 'zh-CN' ? e.nameZh : e.nameEn}` : String(l) }
  return (
    <div data-testid='resident-assessments' ref={here} tabIndex={-1}>
      {list.error !== null && <ErrorMessage error={describeApiError(list.error, t)} />}
      {list.data !== null && list.data.capacityOverrideReason !== null && (
        <p className='muted'>{t('assessment.overridden', { reason: list.data.capacityOverrideReason })}</p>
      )}
      {list.data !== null && (list.data.items.length === 0
        ? <p className='muted'>{t('assessment.none')}</p>
        : (
          <ul className='plain-list'>
            {list.data.items.map((a) => (
              <li key={a.id} data-testid='assessment-row'>
                {a.assessedAt.slice(0, 10)} · {t('assessment.total', { total: a.total })} · {levelName(a.level)}
                {a.changes.length > 0 && ` (${t('assessment.raised')})`} · {a.assessor.name}{a.assessor.certificateNo !== null && ` ${a.assessor.certificateNo}`}
                {' · '}{t('assessment.due', { date: a.reassessmentDueAt.slice(0, 10) })}
                {' · '}<button type='button' className='link-button' onClick={() => { void print.run(a.id) }}>{t('assessment.print')}</button>
              </li>
            ))}
          </ul>
          ))}
      {canRecord && !open && <button type='button' className='button' onClick={() => { setOpen(true) }} data-testid='assessment-new'>{t('assessment.record')}</button>}
      <ErrorMessage error={print.error === null ? null : describeApiError(print.error, t)} />
      {canRecord && open && <AssessmentEditor residentId={residentId} onDone={() => { setOpen(false); list.reload() }} />}
      <ConditionChange residentId={residentId} />
    </div>
  )
}

/**
 * "Condition changed" with the reason (operators, assessors; the platform audits it): the
 * reassessment is due from now until a newer assessment (docs/supervision.md, change of condition).
 */
function ConditionChange ({ residentId }: { residentId: string }) {
  const { t } = useI18n()
  const role = useSession().session?.user.role
  const [reason, setReason] = useState('')
  const [done, setDone] = useState(false)
  const mark = useMutation(markConditionChange)
  if (role === undefined || !can(role, 'condition.mark')) return null
  const submit = async () => {
    if (await mark.run(residentId, reason.trim()) !== null) { setReason(''); setDone(true) }
  }
  return (
    <form className='filters filters--compact' onSubmit={(e) => { e.preventDefault(); void submit() }} data-testid='condition-change-form'>
      <label className='field'>
        <span className='field__label'>{t('assessment.conditionChanged')}</span>
        <input className='field__input' value={reason} maxLength={500} onChange={(e) => { setReason(e.target.value); setDone(false) }} placeholder={t('assessment.conditionChangedHint')} data-testid='condition-change-reason' />
      </label>
      <button type='submit' className='button' disabled={mark.pending || reason.trim().length < 2} data-testid='condition-change-save'>{t('assessment.conditionChangedSave')}</button>
      <ErrorMessage error={mark.error === null ? null : describeApiError(mark.error, t)} />
      {done && <p role='status' data-testid='condition-change-saved'>{t('assessment.conditionChangedDone')}</p>}
    </form>
  )
}

function AssessmentEditor ({ residentId, onDone }: { residentId: string, onDone: () => void }) {
  const { t, locale } = useI18n()
  const form = useAssessmentForm(true)
  const save = useMutation(recordAssessment)
  const [scores, setScores] = useState<Record<string, number>>({})
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 10))
  const [dementia, setDementia] = useState(false)
  if (form.data === null) return form.error !== null ? <ErrorMessage error={describeApiError(form.error, t)} /> : <p className='muted'>{t('common.loading')}</p>
  const f: AssessmentForm = form.data
  const complete = f.items.every((i) => scores[i.key] !== undefined)
  const preview = complete ? computeAssessment({ scores, dementiaOrMentalDisorder: dementia }) : null
  async function submit () {
    const saved = await save.run(residentId, { assessedAt: new Date(`${date}T12:00:00`).toISOString(), scores, dementiaOrMentalDisorder: dementia })
    if (saved !== null) onDone()
  }
  return (
    <form className='assessment-form' onSubmit={(e) => { e.preventDefault(); void submit() }} data-testid='assessment-form'>
      <label>{t('assessment.date')} <input type='date' value={date} onChange={(e) => { setDate(e.target.value) }} required /></label>
      {ASSESSMENT_INDICATORS.map((ind) => (
        <fieldset key={ind.key}>
          <legend>{ind.code} {locale === 'zh-CN' ? ind.nameZh : ind.nameEn}</legend>
          {f.items.filter((i) => i.indicator === ind.key).map((i) => (
            <label key={i.key} className='assessment-form__item'>
              <span>{i.code} {locale === 'zh-CN' ? i.nameZh : i.nameEn}</span>
              <select value={scores[i.key] ?? ''} onChange={(e) => { setScores({ ...scores, [i.key]: Number(e.target.value) }) }} required data-testid={`score-${i.key}`}>
                <option value='' disabled>—</option>
                {i.options.map((o) => <option key={o.score} value={o.score}>{o.score} {o.labelZh}</option>)}
              </select>
            </label>
          ))}
        </fieldset>
      ))}
      <label><input type='checkbox' checked={dementia} onChange={(e) => { setDementia(e.target.checked) }} /> {t('assessment.dementia')}</label>
      <p role='status' data-testid='assessment-preview'>{preview === null ? t('assessment.incomplete') : t('assessment.preview', { total: preview.total, level: preview.level })}</p>
      <ErrorMessage error={save.error === null ? null : describeApiError(save.error, t)} />
      <button type='submit' className='button' disabled={!complete || save.pending}>{t('assessment.save')}</button>
    </form>
  )
}
