// EnvReader reports every problem of a bad environment at once, with what to set instead.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, EnvReader, loadTlsFiles } from '../src/index.ts'

describe('EnvReader', () => {
  it('reads valid values and defaults', () => {
    const r = new EnvReader({ MQTT_PORT: '0', DATABASE_URL: 'postgres://db:5432/care' })
    expect(r.port('MQTT_PORT', 1883)).toBe(0)
    expect(r.port('HTTP_PORT', 8080)).toBe(8080)
    expect(r.url('DATABASE_URL', ['postgres:', 'postgresql:'])).toBe('postgres://db:5432/care')
    expect(r.url('REDIS_URL', ['redis:'])).toBeNull()
    expect(r.string('HOST', '0.0.0.0')).toBe('0.0.0.0')
    expect(r.mqttTls()).toBeNull()
    expect(() => { r.done() }).not.toThrow()
  })

  it('collects every problem and throws them together, with the code it was given', () => {
    const r = new EnvReader({ MQTT_PORT: '70000', DATABASE_URL: 'mysql://x', MQTT_TLS_CERT: '/nowhere/cert.pem' }, 'GW_ERR_CONFIG')
    r.port('MQTT_PORT', 1883)
    r.url('DATABASE_URL', ['postgres:', 'postgresql:'])
    r.url('REDIS_URL', ['redis:'], { required: true })
    r.mqttTls()
    let err: unknown
    try { r.done() } catch (e) { err = e }
    expect(err).toBeInstanceOf(ConfigError)
    const { problems, code, message } = err as ConfigError
    expect(code).toBe('GW_ERR_CONFIG')
    expect(problems).toEqual([
      'MQTT_PORT="70000" must be a port number 0–65535 (0 = any free port)',
      'DATABASE_URL must use postgres: or postgresql:, got mysql:',
      'REDIS_URL is required (e.g. redis://host:port/…)',
      'MQTT_TLS_CERT and MQTT_TLS_KEY must be set together (PEM certificate and private key files)'
    ])
    expect(message).toContain('MQTT_PORT="70000"')
  })

  it('[P-1.1] names a missing PEM file and loads present ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eldercare-env-'))
    try {
      writeFileSync(join(dir, 'cert.pem'), 'CERT')
      const missing = new EnvReader({ MQTT_TLS_CERT: join(dir, 'cert.pem'), MQTT_TLS_KEY: join(dir, 'key.pem') })
      missing.mqttTls()
      expect(missing.problems).toEqual([`MQTT_TLS_KEY="${join(dir, 'key.pem')}" is not a readable file`])
      writeFileSync(join(dir, 'key.pem'), 'KEY')
      const files = new EnvReader({ MQTT_TLS_CERT: join(dir, 'cert.pem'), MQTT_TLS_KEY: join(dir, 'key.pem'), MQTT_TLS_PORT: '0' }).mqttTls()
      expect(files).not.toBeNull()
      const loaded = loadTlsFiles(files!)
      expect({ port: loaded.port, cert: loaded.cert.toString(), key: loaded.key.toString() }).toEqual({ port: 0, cert: 'CERT', key: 'KEY' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
