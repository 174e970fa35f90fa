import { pino, type Logger } from 'pino'

/** Paths never written to a log: credentials and personal data. */
export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'token', '*.token',
  'req.headers.authorization', 'headers.authorization',
  'phone', '*.phone', 'visitorPhone', '*.visitorPhone', 'idNumber', '*.idNumber', 'keySafeCode', '*.keySafeCode'
]

export function createLogger (level = 'info'): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } })
}
