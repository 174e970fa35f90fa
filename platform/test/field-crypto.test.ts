import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FieldCrypto, maskTail } from '../src/plugins/field-crypto.ts'

describe('FieldCrypto', () => {
  it('round-trips and never stores the clear text', () => {
    const c = FieldCrypto.random()
    const stored = c.encrypt('110105194002031234')
    expect(stored).not.toContain('1234')
    expect(c.decrypt(stored)).toBe('110105194002031234')
    expect(c.encrypt('same')).not.toBe(c.encrypt('same')) // fresh IV each time
  })

  it('refuses a tampered value', () => {
    const c = FieldCrypto.random()
    const [v, iv, tag, ct] = c.encrypt('4321').split('.')
    const flipped = Buffer.from(ct, 'base64url'); flipped[0] ^= 1
    expect(() => c.decrypt([v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow()
  })

  it('creates a 0600 key file under DATA_DIR once and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fc-'))
    const a = FieldCrypto.load({ dataDir: dir })
    const b = FieldCrypto.load({ dataDir: dir })
    expect(b.decrypt(a.encrypt('x'))).toBe('x')
    expect(statSync(join(dir, 'data.key')).mode & 0o777).toBe(0o600)
    expect(Buffer.from(readFileSync(join(dir, 'data.key'), 'utf8').trim(), 'base64')).toHaveLength(32)
  })

  it('masks all but the tail', () => {
    expect(maskTail('110105194002031234')).toBe('**************1234')
    expect(maskTail('12')).toBe('**')
  })
})

describe('FieldCrypto.load: DATA_KEY_FILE (issue 13)', () => {
  it('creates the named key file (0600) outside DATA_DIR and reads the same key back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyfile-'))
    const file = join(dir, 'secrets', 'eldercare.key')
    const a = FieldCrypto.load({ dataKeyFile: file, dataDir: join(dir, 'data') })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(() => statSync(join(dir, 'data', 'data.key'))).toThrow()
    const b = FieldCrypto.load({ dataKeyFile: file, dataDir: join(dir, 'data') })
    expect(b.decrypt(a.encrypt('1234'))).toBe('1234')
    expect(readFileSync(file, 'utf8').trim()).toHaveLength(44)
  })
})
