import { useEffect, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n, type MessageKey } from '../../../lib/i18n/i18n.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { putThresholds, THRESHOLD_RULES, useDetectionSettings, type ThresholdRule, type ThresholdSetting } from '../api/detection-settings.ts'

/** The unit each threshold is set in (the vitals charts' units). */
const UNIT: Record<ThresholdRule, MessageKey> = {
  hr_high: 'vitals.unit.perMin', hr_low: 'vitals.unit.perMin', spo2_low: 'vitals.unit.percent', temp_high: 'vitals.unit.celsius'
}

type Draft = Record<ThresholdRule, { enabled: boolean, value: string, minutes: string }>

const toDraft = (effective: Record<ThresholdRule, ThresholdSetting>): Draft => Object.fromEntries(THRESHOLD_RULES.map((r) => [r, {
  enabled: effective[r].enabled, value: String(effective[r].value), minutes: String(effective[r].durationMs / 60_000)
}])) as Draft

/**
 * A resident's vital-sign alarm thresholds (on/off, value, how long it must hold), prefilled with
 * what is in force — the defaults or this resident's own. Supervisors and administrators only.
 */
export function DetectionSettingsForm ({ residentId }: { residentId: string }) {
  const { t } = useI18n()
  // The alarm type's own label (one per type, in the messages) with the threshold's unit.
  const ruleLabel = (r: ThresholdRule): string => t('detection.ruleWithUnit', { rule: t(`incidentType.${r}`), unit: t(UNIT[r]) })
  const settings = useDetectionSettings(residentId)
  const save = useMutation(putThresholds)
  const [draft, setDraft] = useState<Draft | null>(null)
  const [invalid, setInvalid] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)
  useEffect(() => { if (settings.data !== null) setDraft(toDraft(settings.data.effective)) }, [settings.data])

  if (settings.error !== null) return <ErrorMessage error={describeApiError(settings.error, t)} />
  if (draft === null) return <p className='muted' role='status'>{t('common.loading')}</p>

  async function submit () {
    const body: Partial<Record<ThresholdRule, ThresholdSetting>> = {}
    for (const r of THRESHOLD_RULES) {
      const value = Number(draft![r].value)
      const minutes = Number(draft![r].minutes)
      if (draft![r].value.trim() === '' || !Number.isFinite(value) || !(minutes >= 0 && minutes <= 24 * 60)) {
        setInvalid(t('detection.invalid', { rule: ruleLabel(r) }))
        return
      }
      body[r] = { enabled: draft![r].enabled, value, durationMs: Math.round(minutes * 60_000) }
    }
    setInvalid(null)
    setSaved(false)
    const result = await save.run(residentId, body)
    if (result !== null) { setSaved(true); settings.setData(result) }
  }

  return (
    <form className='detection-form' onSubmit={(e) => { e.preventDefault(); void submit() }} noValidate data-testid='detection-form'>
      <table className='table'>
        <caption className='visually-hidden'>{t('detection.title')}</caption>
        <thead><tr><th scope='col'>{t('detection.rule')}</th><th scope='col'>{t('detection.enabled')}</th><th scope='col'>{t('detection.value')}</th><th scope='col'>{t('detection.minutes')}</th></tr></thead>
        <tbody>
          {THRESHOLD_RULES.map((r) => (
            <tr key={r} data-testid={`detection-${r}`}>
              <th scope='row'>{ruleLabel(r)}</th>
              <td><input type='checkbox' aria-label={`${ruleLabel(r)} ${t('detection.enabled')}`} checked={draft[r].enabled} onChange={(e) => { setDraft({ ...draft, [r]: { ...draft[r], enabled: e.target.checked } }) }} /></td>
              <td><input className='field__input field__input--narrow' inputMode='decimal' aria-label={`${ruleLabel(r)} ${t('detection.value')}`} value={draft[r].value} onChange={(e) => { setDraft({ ...draft, [r]: { ...draft[r], value: e.target.value } }) }} /></td>
              <td><input className='field__input field__input--narrow' inputMode='decimal' aria-label={`${ruleLabel(r)} ${t('detection.minutes')}`} value={draft[r].minutes} onChange={(e) => { setDraft({ ...draft, [r]: { ...draft[r], minutes: e.target.value } }) }} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {invalid !== null && <p className='error-message' role='alert'>{invalid}</p>}
      {save.error !== null && <ErrorMessage error={describeApiError(save.error, t)} />}
      {saved && <p role='status' className='muted'>{t('detection.saved')}</p>}
      <button type='submit' className='button button--primary' disabled={save.pending} data-testid='detection-save'>{t('detection.save')}</button>
    </form>
  )
}
