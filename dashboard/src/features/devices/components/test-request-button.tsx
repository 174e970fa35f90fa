import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useTestRequest } from '../hooks/use-test-request.ts'

/** Sends `test.request` and shows what became of it (sent → acked / failed / timed out). */
export function TestRequestButton ({ deviceId }: { deviceId: string }) {
  const { t, tOr } = useI18n()
  const { state, send } = useTestRequest(deviceId)
  const busy = state.phase === 'sending' || state.phase === 'waiting'
  return (
    <span className='test-request'>
      <button type='button' className='button' disabled={busy} onClick={send} data-testid='device-test-button'>
        {t('devices.testRequest')}
      </button>
      <span role='status' className='test-request__state' data-testid='device-test-state' data-phase={state.phase}
        data-status={state.phase === 'done' ? state.status : undefined}
      >
        {state.phase === 'sending' && t('devices.command.sending')}
        {state.phase === 'waiting' && t('devices.command.sent')}
        {state.phase === 'done' && tOr('devices.command.', state.status)}
      </span>
      {state.phase === 'error' && <ErrorMessage error={describeApiError(state.error, t)} />}
    </span>
  )
}
