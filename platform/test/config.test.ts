import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({ httpPort: 8080, mqttPort: 1883, mqttWsPort: 8083, dataDir: './data', databaseUrl: null, adminUsername: 'admin', adminPassword: null, demo: 'auto' })
  })

  it('takes MQTT_LISTEN_BACKLOG, the device handshakes each MQTT listener holds (default 4096), and refuses one out of range', () => {
    expect(loadConfig({}).mqttListenBacklog).toBe(4096)
    expect(loadConfig({ MQTT_LISTEN_BACKLOG: '16384' }).mqttListenBacklog).toBe(16384)
    for (const bad of ['0', '70000', '1.5', 'many']) {
      expect(() => loadConfig({ MQTT_LISTEN_BACKLOG: bad })).toThrow(new RegExp(`MQTT_LISTEN_BACKLOG="${bad.replace('.', '\\.')}" must be a whole number from 1 to 65535 \\(device handshakes`))
    }
  })

  it('takes port 0 as "any free port"', () => {
    expect(loadConfig({ HTTP_PORT: '0', MQTT_PORT: '0', MQTT_WS_PORT: '0' })).toMatchObject({ httpPort: 0, mqttPort: 0, mqttWsPort: 0 })
  })

  it('lists every bad variable at once', () => {
    let err: unknown
    try {
      loadConfig({ HTTP_PORT: 'eighty', MQTT_PORT: '70000', DATABASE_URL: 'mysql://x', DEMO: 'maybe', ADMIN_PASSWORD: 'short' })
    } catch (e) { err = e }
    expect(err).toBeInstanceOf(ConfigError)
    const problems = (err as ConfigError).problems
    expect((err as ConfigError).code).toBe('PLT_ERR_CONFIG')
    expect(problems).toHaveLength(6)
    expect(problems.join('\n')).toMatch(/HTTP_PORT="eighty"/)
    expect(problems.join('\n')).toMatch(/MQTT_PORT="70000"/)
    expect(problems.join('\n')).toMatch(/DATABASE_URL must use postgres:/)
    expect(problems.join('\n')).toMatch(/DEMO="maybe"/)
    expect(problems.join('\n')).toMatch(/ADMIN_PASSWORD must be at least 8/)
    expect(problems.join('\n')).toMatch(/DATA_KEY \(or DATA_KEY_FILE\) is required with DATABASE_URL/)
  })
})

describe('loadConfig: MQTT over TLS [P-1.1]', () => {
  it('is off unless both files are given, and takes MQTT_TLS_PORT (default 8883)', () => {
    expect(loadConfig({}).mqttTls).toBeNull()
    const here = new URL(import.meta.url).pathname
    expect(loadConfig({ MQTT_TLS_CERT: here, MQTT_TLS_KEY: here }).mqttTls).toEqual({ port: 8883, certFile: here, keyFile: here })
    expect(loadConfig({ MQTT_TLS_CERT: here, MQTT_TLS_KEY: here, MQTT_TLS_PORT: '0' }).mqttTls?.port).toBe(0)
  })

  it('refuses a certificate without a key and a file that does not exist', () => {
    expect(() => loadConfig({ MQTT_TLS_CERT: new URL(import.meta.url).pathname })).toThrow(/MQTT_TLS_CERT and MQTT_TLS_KEY must be set together/)
    expect(() => loadConfig({ MQTT_TLS_CERT: '/nonexistent/cert.pem', MQTT_TLS_KEY: '/nonexistent/key.pem' })).toThrow(/MQTT_TLS_CERT="\/nonexistent\/cert.pem" is not a readable file/)
  })
})

describe('loadConfig: secrets and proxies (issue 13)', () => {
  it('refuses DATABASE_URL or REDIS_URL without DATA_KEY or DATA_KEY_FILE, naming the fix', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y' })).toThrow(/DATA_KEY .*required.*DATABASE_URL/)
    expect(() => loadConfig({ REDIS_URL: 'redis://x' })).toThrow(/DATA_KEY .*required.*REDIS_URL/)
    const key = Buffer.alloc(32, 1).toString('base64')
    expect(loadConfig({ DATABASE_URL: 'postgres://x/y', DATA_KEY: key }).dataKey).toBe(key)
    const here = new URL(import.meta.url).pathname
    expect(loadConfig({ REDIS_URL: 'redis://x', DATA_KEY_FILE: here }).dataKeyFile).toBe(here)
  })

  it('takes TRUST_PROXY as the exact proxy addresses to trust, off by default', () => {
    expect(loadConfig({}).trustProxy).toBeNull()
    expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 172.18.0.0/16' }).trustProxy).toEqual(['10.0.0.5', '172.18.0.0/16'])
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY="true"/)
    expect(() => loadConfig({ TRUST_PROXY: '*' })).toThrow(/TRUST_PROXY/)
  })

  it('takes METRICS_TOKEN (at least 16 characters) and DOCS=off', () => {
    expect(loadConfig({})).toMatchObject({ metricsToken: null, docs: true })
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16), DOCS: 'off' })).toMatchObject({ metricsToken: 'x'.repeat(16), docs: false })
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/)
    expect(() => loadConfig({ DOCS: 'maybe' })).toThrow(/DOCS="maybe"/)
  })
})

describe('loadConfig: positions (issue 15)', () => {
  it('takes POSITION_RECENT_MINUTES, how old a last known position an incident may carry (default 10)', () => {
    expect(loadConfig({}).positionRecentMinutes).toBe(10)
    expect(loadConfig({ POSITION_RECENT_MINUTES: '30' }).positionRecentMinutes).toBe(30)
    for (const bad of ['0', '2.5', 'ten', '1441']) {
      expect(() => loadConfig({ POSITION_RECENT_MINUTES: bad })).toThrow(new RegExp(`POSITION_RECENT_MINUTES="${bad}" must be a whole number of minutes from 1 to 1440`))
    }
  })
})
