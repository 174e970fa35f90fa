import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Device secrets are 256-bit random values, so a fast one-way hash is enough to store
 * them: a memory-hard hash protects low-entropy human passwords, and would cost every
 * one of ten thousand devices tens of milliseconds of CPU on each reconnect.
 */
export function generateDeviceSecret (): string {
  return randomBytes(32).toString('base64url')
}

export function hashDeviceSecret (secret: string | Buffer): string {
  return createHash('sha256').update(secret).digest('hex')
}

export function verifyDeviceSecret (secret: Buffer, storedHash: string): boolean {
  const a = Buffer.from(hashDeviceSecret(secret), 'hex')
  const b = Buffer.from(storedHash, 'hex')
  return a.length === b.length && timingSafeEqual(a, b)
}
