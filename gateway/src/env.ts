/**
 * Reads configuration variables and collects every problem, so a bad environment is
 * reported in full at once (STYLE.md §7). Shared by the gateway's and the platform's mains.
 */
export class ConfigError extends Error {
  readonly code = 'GW_ERR_CONFIG'
  constructor (readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigError'
  }
}

export class EnvReader {
  readonly problems: string[] = []
  constructor (private readonly env: NodeJS.ProcessEnv) {}

  /** A TCP port 0–65535 (0 = any free port). */
  port (name: string, def: number): number {
    const raw = this.env[name]
    if (raw === undefined || raw === '') return def
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      this.problems.push(`${name}="${raw}" must be a port number 0–65535 (0 = any free port)`)
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

  string (name: string, def: string): string {
    return this.env[name] || def
  }

  /** Throws one ConfigError naming every problem found so far. */
  done (): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems)
  }
}
