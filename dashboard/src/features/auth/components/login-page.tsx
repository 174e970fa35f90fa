import { useEffect, useRef, useState, type FormEvent } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { ApiError } from '../../../lib/api-client.ts'
import { describeApiError, type ErrorDescription } from '../../../lib/describe-api-error.ts'
import { useI18n, type I18n } from '../../../lib/i18n/i18n.ts'
import { useLogin } from '../api/login.ts'
import { lastUsername, startSession } from '../session.ts'

export interface LoginPageProps {
  /** Why the operator was sent here; shown above the form. */
  notice?: string | null
  /** Runs inside the submit gesture: the app unlocks alarm audio here (browser autoplay rules). */
  onSubmitGesture?: () => void
}

function loginErrorText (err: Error, t: I18n['t']): ErrorDescription {
  if (err instanceof ApiError) {
    if (err.status === 401) return { message: t('login.invalidCredentials'), detail: null }
    if (err.status === 429) {
      return {
        message: err.retryAfterSeconds !== null ? t('login.rateLimitedRetry', { seconds: err.retryAfterSeconds }) : t('login.rateLimited'),
        detail: null
      }
    }
  }
  return describeApiError(err, t)
}

export function LoginPage ({ notice = null, onSubmitGesture }: LoginPageProps) {
  const { t } = useI18n()
  const [username, setUsername] = useState(lastUsername)
  const [password, setPassword] = useState('')
  const [missing, setMissing] = useState(false)
  const { run, pending, error } = useLogin()
  const usernameRef = useRef<HTMLInputElement>(null)
  const passwordRef = useRef<HTMLInputElement>(null)

  useEffect(() => {
    // With the username remembered, the operator only has to type the password.
    ;(username === '' ? usernameRef : passwordRef).current?.focus()
    // Only when the form first appears, not as the operator types.
  }, [])

  async function submit (event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    onSubmitGesture?.()
    if (username.trim() === '' || password === '') {
      setMissing(true)
      return
    }
    setMissing(false)
    const response = await run({ username: username.trim(), password })
    if (response !== null) startSession(response)
    else setPassword('')
  }

  const shownError = missing ? t('login.missingFields') : error !== null ? loginErrorText(error, t) : null

  return (
    <main className='login' id='main'>
      <form className='login__form' onSubmit={(e) => { void submit(e) }} noValidate aria-labelledby='login-title'>
        <h1 id='login-title' className='login__title'>{t('login.title')}</h1>
        {notice !== null && <p className='login__notice' role='status'>{notice}</p>}
        <label className='field'>
          <span className='field__label'>{t('login.username')}</span>
          <input
            ref={usernameRef}
            className='field__input'
            name='username'
            autoComplete='username'
            value={username}
            onChange={(e) => { setUsername(e.target.value) }}
            aria-invalid={missing && username.trim() === ''}
            data-testid='login-username'
          />
        </label>
        <label className='field'>
          <span className='field__label'>{t('login.password')}</span>
          <input
            ref={passwordRef}
            className='field__input'
            name='password'
            type='password'
            autoComplete='current-password'
            value={password}
            onChange={(e) => { setPassword(e.target.value) }}
            aria-invalid={missing && password === ''}
            data-testid='login-password'
          />
        </label>
        <ErrorMessage error={shownError} testId='login-error' />
        <button type='submit' className='button button--primary button--block' disabled={pending} data-testid='login-submit'>
          {pending ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </main>
  )
}
