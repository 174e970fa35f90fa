import { isActive, type IncidentDto } from '@eldercare/protocols'
import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { INTERCOM_ACTIONS, intercomAction, type IntercomAction } from '../api/intercom-action.ts'
import { AnswerVideoCall } from '../../calls/components/answer-video-call.tsx'

/** Answer, hang up, unlock the door: commands to the site's intercom, each noted on the timeline. */
export function IntercomActions ({ incident, onSent }: { incident: IncidentDto, onSent: () => void }) {
  const { t } = useI18n()
  const mutation = useMutation(intercomAction)
  const [sent, setSent] = useState<IntercomAction | null>(null)
  if (!isActive(incident.status)) return null

  async function run (action: IntercomAction) {
    setSent(null)
    const result = await mutation.run(incident.id, action)
    if (result !== null) {
      setSent(action)
      onSent()
    }
  }

  return (
    <div className='action-form' data-testid='intercom-actions'>
      <h4 className='action-form__title'>{t('intercom.title')}</h4>
      <AnswerVideoCall incident={incident} />
      <div className='inline-row'>
        {INTERCOM_ACTIONS.map((a) => (
          <button key={a} type='button' className={a === 'unlock' ? 'button button--danger' : 'button'} disabled={mutation.pending}
            data-testid={`intercom-${a}`} onClick={() => { void run(a) }}
          >
            {t(`intercom.${a}`)}
          </button>
        ))}
      </div>
      <p role='status' className='muted' data-testid='intercom-state'>{sent === null ? '' : t('intercom.sent', { action: t(`intercom.${sent}`) })}</p>
      <ErrorMessage error={mutation.error === null ? null : describeApiError(mutation.error, t)} />
    </div>
  )
}
