import type { FormEvent, ReactNode } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'

export interface AdminFormProps {
  title: string
  testId: string
  pending: boolean
  /** A problem found before sending (missing field), in the user's language. */
  invalid: string | null
  error: Error | null
  /** What was just created, announced politely. */
  done: string | null
  onSubmit: () => void
  children: ReactNode
}

/** The frame every admin form shares: title, fields, one error line, a submit button, a done line. */
export function AdminForm ({ title, testId, pending, invalid, error, done, onSubmit, children }: AdminFormProps) {
  const { t } = useI18n()
  return (
    <form className='action-form admin-form' data-testid={testId} noValidate
      onSubmit={(e: FormEvent) => { e.preventDefault(); onSubmit() }}
    >
      <h2 className='action-form__title'>{title}</h2>
      {children}
      <ErrorMessage error={invalid ?? (error !== null ? describeApiError(error, t) : null)} />
      <button type='submit' className='button button--primary' disabled={pending} data-testid={`${testId}-submit`}>
        {pending ? t('action.working') : t('admin.create')}
      </button>
      <p role='status' className='admin-form__done' data-testid={`${testId}-done`}>{done}</p>
    </form>
  )
}
