import { createHash, randomBytes } from 'node:crypto'

/** Bearer tokens are 256-bit random values; only their SHA-256 is stored, so a database leak reveals no usable token. */
export function generateToken (): string {
  return randomBytes(32).toString('base64url')
}

export function hashToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
