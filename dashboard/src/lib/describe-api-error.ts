/** Turns any failure from the API client into a sentence for the operator, in their language. */
import { ApiError } from './api-client.ts'
import type { I18n } from './i18n/i18n.ts'

export interface ErrorDescription {
  /** What happened, in the operator's language. */
  message: string
  /** The server's own words and code, for the record; null when there are none. */
  detail: string | null
}

export function describeApiError (err: Error, t: I18n['t']): ErrorDescription {
  if (!(err instanceof ApiError)) return { message: t('error.generic'), detail: err.message || null }
  if (err.isNetworkError) return { message: t('error.network'), detail: null }
  const detail = err.code.startsWith('PLT_ERR_') ? `${t('error.serverSays', { message: err.message })} (${err.code})` : null
  switch (err.status) {
    case 400:
    case 422:
      return { message: t('error.invalid'), detail }
    case 403:
      return { message: t('error.forbidden'), detail }
    case 404:
      return { message: t('error.notFound'), detail }
    case 409:
      return { message: t('error.conflict'), detail }
    case 429:
      return { message: t('error.rateLimited'), detail }
  }
  if (err.status >= 500) return { message: t('error.server', { status: err.status }), detail }
  return { message: t('error.generic'), detail }
}
