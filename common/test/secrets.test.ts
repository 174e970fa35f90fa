// Device secrets [P-1.2]: drawn at random, stored only as a hash, checked in constant time.
import { describe, expect, it } from 'vitest'
import { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from '../src/index.ts'

describe('device secrets [P-1.2]', () => {
  it('draws 256-bit base64url secrets, different each time', () => {
    const a = generateDeviceSecret()
    const b = generateDeviceSecret()
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(a).not.toBe(b)
  })

  it('verifies the secret against its stored hash and refuses any other', () => {
    const secret = generateDeviceSecret()
    const stored = hashDeviceSecret(secret)
    expect(stored).toMatch(/^[0-9a-f]{64}$/)
    expect(stored).not.toContain(secret)
    expect(verifyDeviceSecret(Buffer.from(secret), stored)).toBe(true)
    expect(verifyDeviceSecret(Buffer.from(`${secret}x`), stored)).toBe(false)
    expect(verifyDeviceSecret(Buffer.from(secret), 'not-a-hash')).toBe(false)
  })
})
