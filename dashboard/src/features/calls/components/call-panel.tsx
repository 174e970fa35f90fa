import type { CallDto, CallStartDto } from '@eldercare/protocols'
import { useEffect, useRef, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { connectRealtime } from '../../../lib/socket.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { getToken } from '../../auth/session.ts'
import { CALL_VISIT_OUTCOMES, recordCallVisit, type CallVisitOutcome } from '../api/record-call-visit.ts'
import { CallSession, type CallPhase } from '../lib/call-session.ts'
import { announceCallsChanged } from '../lib/calls-changed.ts'

/**
 * One video call in progress: the elder's picture and sound, this PC's camera as a small
 * preview, the call's state, hang up; once a call that was answered has ended, record it as a
 * visit in one step. `place` creates or answers the call on the platform.
 */
export function CallPanel ({ place, onClose }: { place: () => Promise<CallStartDto>, onClose: () => void }) {
  const { t, formatDateTime } = useI18n()
  const remote = useRef<HTMLVideoElement>(null)
  const local = useRef<HTMLVideoElement>(null)
  const session = useRef<CallSession | null>(null)
  const [phase, setPhase] = useState<CallPhase>('starting')
  const [detail, setDetail] = useState<string | null>(null)
  const [call, setCall] = useState<CallDto | null>(null)
  const placing = useMutation(place)

  useEffect(() => {
    let gone = false
    const socket = connectRealtime(getToken)
    void (async () => {
      const started = await placing.run()
      if (started === null || gone) { setPhase('failed'); return }
      setCall(started)
      const s = new CallSession(started, socket, {
        onPhase: (p, d) => { if (!gone) { setPhase(p); setDetail(d ?? null) } },
        onRemoteStream: (stream) => { if (remote.current) remote.current.srcObject = stream },
        onLocalStream: (stream) => { if (local.current) local.current.srcObject = stream },
        onCall: (c) => { if (!gone) setCall(c) }
      })
      session.current = s
      await s.start()
    })()
    return () => {
      gone = true
      session.current?.hangUp()
      socket.close()
    }
    // placing once per panel: the panel is the call
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  const over = phase === 'ended' || phase === 'failed'
  // the resident's call list (another part of the screen) shows the call as the platform recorded it
  useEffect(() => { if (over) announceCallsChanged() }, [over])
  return (
    <section className='call-panel' data-testid='call-panel' data-phase={phase} aria-label={t('call.title')}>
      <div className='call-panel__videos'>
        <video ref={remote} className='call-panel__remote' data-testid='call-remote-video' autoPlay playsInline />
        <video ref={local} className='call-panel__local' data-testid='call-local-video' autoPlay playsInline muted />
      </div>
      <p role='status' className='call-panel__state' data-testid='call-state'>
        {t(`call.phase.${phase}`)}
        {call?.answeredAt && <span className='muted'> · {t('call.answeredAt', { at: formatDateTime(call.answeredAt) })}</span>}
        {over && call?.durationS != null && <span className='muted'> · {t('call.duration', { seconds: call.durationS })}</span>}
        {detail !== null && phase === 'failed' && <span className='muted'> · {detail}</span>}
      </p>
      <ErrorMessage error={placing.error === null ? null : describeApiError(placing.error, t)} />
      <div className='inline-row'>
        {!over && <button type='button' className='button button--danger' data-testid='call-hangup' onClick={() => { session.current?.hangUp() }}>{t('call.hangUp')}</button>}
        {over && <button type='button' className='button' data-testid='call-close' onClick={onClose}>{t('call.close')}</button>}
      </div>
      {over && call !== null && call.answeredAt !== null && call.residentId !== null && <RecordVisitForm callId={call.id} />}
    </section>
  )
}

/** A completed call recorded as a visit of method video_call, in one step. */
function RecordVisitForm ({ callId }: { callId: string }) {
  const { t } = useI18n()
  const [outcome, setOutcome] = useState<CallVisitOutcome>('well')
  const [notes, setNotes] = useState('')
  const [recorded, setRecorded] = useState(false)
  const mutation = useMutation(recordCallVisit)
  if (recorded) return <p className='muted' role='status' data-testid='call-visit-recorded'>{t('call.visitRecorded')}</p>
  return (
    <form className='action-form' data-testid='call-visit-form' onSubmit={(e) => {
      e.preventDefault()
      void mutation.run(callId, outcome, notes).then((r) => { if (r !== null) { setRecorded(true); announceCallsChanged() } })
    }}
    >
      <h4 className='action-form__title'>{t('call.recordVisit')}</h4>
      <SelectField label={t('call.visitOutcome')} value={outcome} testId='call-visit-outcome'
        options={CALL_VISIT_OUTCOMES.map((o) => ({ value: o, label: t(`visitOutcome.${o}`) }))}
        onChange={(v) => { setOutcome(v as CallVisitOutcome) }}
      />
      <label className='field'>
        <span className='field__label'>{t('call.visitNotes')}</span>
        <textarea className='field__input' maxLength={2000} value={notes} onChange={(e) => { setNotes(e.target.value) }} />
      </label>
      <button type='submit' className='button button--primary' disabled={mutation.pending} data-testid='call-visit-submit'>{t('call.recordVisit')}</button>
      <ErrorMessage error={mutation.error === null ? null : describeApiError(mutation.error, t)} />
    </form>
  )
}
