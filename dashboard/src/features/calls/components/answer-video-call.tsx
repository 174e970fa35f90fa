import type { IncidentDto } from '@eldercare/protocols'
import { useState } from 'react'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { answerIncidentCall } from '../api/answer-incident-call.ts'
import { CallPanel } from './call-panel.tsx'

/** The elder pressed the intercom's call button: answer with video, seeing and hearing them. */
export function AnswerVideoCall ({ incident }: { incident: IncidentDto }) {
  const { t } = useI18n()
  const [open, setOpen] = useState(false)
  if (incident.type !== 'call_request') return null
  if (open) return <CallPanel place={() => answerIncidentCall(incident.id)} onClose={() => { setOpen(false) }} />
  return (
    <button type='button' className='button button--primary' data-testid='call-answer-video' onClick={() => { setOpen(true) }}>
      {t('call.answerVideo')}
    </button>
  )
}
