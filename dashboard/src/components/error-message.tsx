import type { ErrorDescription } from '../lib/describe-api-error.ts'
import { WarningIcon } from './icons.tsx'

/** An inline error, announced at once by screen readers (role="alert"). */
export function ErrorMessage ({ error, testId }: { error: ErrorDescription | string | null, testId?: string }) {
  if (error === null) return null
  const { message, detail } = typeof error === 'string' ? { message: error, detail: null } : error
  return (
    <div className='error-message' role='alert' data-testid={testId}>
      <WarningIcon />
      <span>
        {message}
        {detail !== null && <span className='error-message__detail'>{detail}</span>}
      </span>
    </div>
  )
}
