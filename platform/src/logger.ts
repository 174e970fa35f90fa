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

/** A responder link's token is a credential: `/r/<token>…` is logged as `/r/[redacted]…`. */
export function redactUrl (url: string): string {
  return url.replace(/^\/r\/[^/?#]+/, '/r/[redacted]')
}

/** Fastify's request serializer (method, url, host, address), with the URL redacted. */
export const httpLogSerializers = {
  req (req: { method?: string, url?: string, host?: string, ip?: string, socket?: { remotePort?: number } }) {
    return { method: req.method, url: redactUrl(req.url ?? ''), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }
  }
}
