/**
 * Reads configuration variables and collects every problem, so a bad environment is
 * reported in full at once (STYLE.md §7). Shared by the gateway's and the platform's mains.
 */
import { existsSync, readFileSync } from 'node:fs'

/** Every problem of a bad environment at once; `code` is the catalogue code of the part that reads it. */
export class ConfigError extends Error {
  constructor (readonly problems: string[], readonly code: string = 'ERR_CONFIG') {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

/** [P-1.1] Where the MQTT/TLS listener's PEM files are, from MQTT_TLS_CERT/MQTT_TLS_KEY/MQTT_TLS_PORT. */
export interface TlsFiles { port: number, certFile: string, keyFile: string }

/** Reads the PEM files named by `files` (for `Gateway.listen({ tls })`). */
export function loadTlsFiles (files: TlsFiles): { port: number, cert: Buffer, key: Buffer } {
  return { port: files.port, cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) }
}

export class EnvReader {
  readonly problems: string[] = []
  /** @param errorCode the catalogue code `done()` throws with (a part's own, e.g. `PLT_ERR_CONFIG`) */
  constructor (private readonly env: NodeJS.ProcessEnv, private readonly errorCode = 'ERR_CONFIG') {}

  /** A TCP port 0–65535 (0 = any free port); `def` null: off when unset. */
  port<D extends number | null> (name: string, def: D): number | D {
    const raw = this.env[name]
    if (raw === undefined || raw === '') return def
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      this.problems.push(`${name}="${raw}" must be a port number 0–65535 (0 = any free port)`)
      return def
    }
    return n
  }

  /** A whole number from `min` to `max`; `what` says what it is, for the message. */
  integer (name: string, def: number, min: number, max: number, what: string): number {
    const raw = this.env[name]
    if (raw === undefined || raw === '') return def
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name}="${raw}" must be a whole number from ${min} to ${max} (${what})`)
      return def
    }
    return n
  }

  /** A URL with one of `protocols` (e.g. ['postgres:', 'postgresql:']), or null when unset. */
  url (name: string, protocols: string[], opts: { required?: boolean } = {}): string | null {
    const raw = this.env[name]
    if (!raw) {
      if (opts.required) this.problems.push(`${name} is required (e.g. ${protocols[0]}//host:port/…)`)
      return null
    }
    try {
      const u = new URL(raw)
      if (!protocols.includes(u.protocol)) this.problems.push(`${name} must use ${protocols.join(' or ')}, got ${u.protocol}`)
    } catch {
      this.problems.push(`${name} is not a URL (e.g. ${protocols[0]}//host:port/…)`)
    }
    return raw
  }

  /** MQTT over TLS when both PEM files are given; null when neither is. */
  mqttTls (): TlsFiles | null {
    const certFile = this.env.MQTT_TLS_CERT || null
    const keyFile = this.env.MQTT_TLS_KEY || null
    const port = this.port('MQTT_TLS_PORT', 8883)
    if (certFile === null && keyFile === null) return null
    if (certFile === null || keyFile === null) {
      this.problems.push('MQTT_TLS_CERT and MQTT_TLS_KEY must be set together (PEM certificate and private key files)')
      return null
    }
    for (const [name, file] of [['MQTT_TLS_CERT', certFile], ['MQTT_TLS_KEY', keyFile]] as const) {
      if (!existsSync(file)) this.problems.push(`${name}="${file}" is not a readable file`)
    }
    return { port, certFile, keyFile }
  }

  /** on/off (also true/false, 1/0). */
  flag (name: string, def: boolean): boolean {
    const raw = this.env[name]
    if (raw === undefined || raw === '') return def
    const v = ({ on: true, true: true, '1': true, off: false, false: false, '0': false } as Record<string, boolean>)[raw.toLowerCase()]
    if (v === undefined) this.problems.push(`${name}="${raw}" must be on or off`)
    return v ?? def
  }

  /** A secret of at least `minLength` characters (e.g. METRICS_TOKEN), or null when unset. */
  token (name: string, minLength: number): string | null {
    const raw = this.env[name] || null
    if (raw !== null && raw.length < minLength) this.problems.push(`${name} must be at least ${minLength} characters`)
    return raw
  }

  string (name: string, def: string): string {
    return this.env[name] || def
  }

  /** Throws one ConfigError naming every problem found so far. */
  done (): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems, this.errorCode)
  }
}
