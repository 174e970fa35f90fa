import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { putCallSettings, useCallSettings } from '../api/call-settings.ts'

/**
 * Whether the resident's intercom answers a care call by itself after ringing briefly (for
 * residents who cannot press a button). Seeing into a home unasked is a privacy decision: only
 * `call.settings` roles change it, and the platform audits each change.
 */
export function AutoAnswerSetting ({ residentId, canChange }: { residentId: string, canChange: boolean }) {
  const { t } = useI18n()
  const settings = useCallSettings(residentId)
  const save = useMutation(putCallSettings)
  if (settings.error !== null) return <ErrorMessage error={describeApiError(settings.error, t)} />
  if (settings.data === null) return null
  const on = settings.data.autoAnswer
  return (
    <div className='inline-row' data-testid='auto-answer' data-on={on}>
      <label className='checkbox'>
        <input type='checkbox' checked={on} disabled={!canChange || save.pending} data-testid='auto-answer-toggle'
          onChange={(e) => { void save.run(residentId, e.target.checked).then((r) => { if (r !== null) settings.setData(r) }) }}
        />
        {t('calls.autoAnswerSetting')}
      </label>
      <span className='muted'>{t('calls.autoAnswerHint')}</span>
      <ErrorMessage error={save.error === null ? null : describeApiError(save.error, t)} />
    </div>
  )
}
