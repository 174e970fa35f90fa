/**
 * Encryption at rest for sensitive fields (ID-card numbers, key-safe codes): AES-256-GCM
 * with a random 96-bit IV per value. Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url).
 *
 * The key comes from `DATA_KEY` (32 bytes, base64) or, in embedded mode, from
 * `DATA_DIR/data.key`, created with mode 0600 on first start. Several platform nodes must
 * share one `DATA_KEY`.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import fp from 'fastify-plugin'
import { errors } from '../errors.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** encrypts/decrypts sensitive fields at rest */
    fieldCrypto: FieldCrypto
  }
}

export class FieldCrypto {
  private readonly key: Buffer

  constructor (key: Buffer) {
    if (key.length !== 32) throw errors.CONFIG(`the data key must be 32 bytes, got ${key.length}`)
    this.key = key
  }

  static random (): FieldCrypto {
    return new FieldCrypto(randomBytes(32))
  }

  /**
   * From `DATA_KEY` (base64) when given, else from `dataKeyFile`, else the key file `data.key`
   * under `dataDir`; a missing key file is created (mode 0600).
   */
  static load (opts: { dataKey?: string | null, dataKeyFile?: string | null, dataDir?: string }): FieldCrypto {
    if (opts.dataKey) return new FieldCrypto(Buffer.from(opts.dataKey, 'base64'))
    if (!opts.dataKeyFile && (!opts.dataDir || opts.dataDir.startsWith('memory://'))) return FieldCrypto.random()
    const file = opts.dataKeyFile ?? join(opts.dataDir!, 'data.key')
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 })
      chmodSync(file, 0o600)
    }
    return new FieldCrypto(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'))
  }

  /** A separate key for another purpose (e.g. signing responder links), derived from the data key. */
  deriveKey (purpose: string): Buffer {
    return createHmac('sha256', this.key).update(`eldercare:${purpose}`).digest()
  }

  encrypt (plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.')
  }

  decrypt (stored: string): string {
    const [v, iv, tag, ct] = stored.split('.')
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw errors.CRYPTO()
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')
  }
}

/** Shows only the last `keep` characters: `110105********1234` style masking. */
export function maskTail (value: string | null, keep = 4): string | null {
  if (!value) return value
  return value.length <= keep ? '*'.repeat(value.length) : '*'.repeat(value.length - keep) + value.slice(-keep)
}

/** Default a random key: fine for tests, lost on restart (embedded.ts loads the real one). */
export const fieldCryptoPlugin = fp<{ fieldCrypto?: FieldCrypto }>(async (app, opts) => {
  app.decorate('fieldCrypto', opts.fieldCrypto ?? FieldCrypto.random())
}, { name: 'field-crypto' })
