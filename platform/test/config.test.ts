import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({ httpPort: 8080, mqttPort: 1883, mqttWsPort: 8083, dataDir: './data', databaseUrl: null, adminUsername: 'admin', adminPassword: null, demo: 'auto' })
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
    expect(problems).toHaveLength(5)
    expect(problems.join('\n')).toMatch(/HTTP_PORT="eighty"/)
    expect(problems.join('\n')).toMatch(/MQTT_PORT="70000"/)
    expect(problems.join('\n')).toMatch(/DATABASE_URL must use postgres:/)
    expect(problems.join('\n')).toMatch(/DEMO="maybe"/)
    expect(problems.join('\n')).toMatch(/ADMIN_PASSWORD must be at least 8/)
  })
})
