/**
 * What every HTTP-serving process of ours does the same way for operations: the `/metrics`
 * bearer check (METRICS_TOKEN) and running readiness checks. Shared by the platform's routes
 * (features/metrics, features/health) and the standalone gateway's small listener (gateway/src/http.ts).
 */
import { timingSafeEqual } from 'node:crypto'

/**
 * `Authorization: Bearer <token>` compared in constant time; with no token every request passes
 * (open by default for a local install; METRICS_TOKEN closes it to a scraper holding the token).
 */
export function bearerCheck (token: string | null | undefined): (authorization: string | undefined) => boolean {
  const expected = token ? Buffer.from(`Bearer ${token}`) : null
  return (authorization) => {
    if (!expected) return true
    const given = Buffer.from(authorization ?? '')
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
}

/** A component check: resolves with details when healthy, throws when not. */
export type HealthCheck = () => Promise<Record<string, unknown>>

export interface HealthReport {
  status: 'ok' | 'fail'
  /** the components that failed, when any did */
  failing?: string[]
  components: Record<string, { status: 'ok' | 'fail', [detail: string]: unknown }>
}

/** Runs every check at once, each bounded by `timeoutMs`: ok when all answer, else the failing ones named. */
export async function runHealthChecks (checks: Record<string, HealthCheck>, timeoutMs = 2000): Promise<HealthReport> {
  const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => {
    try {
      return [name, { status: 'ok' as const, ...(await withTimeout(check(), timeoutMs)) }] as const
    } catch (err) {
      return [name, { status: 'fail' as const, error: (err as Error).message }] as const
    }
  }))
  const failing = entries.filter(([, c]) => c.status !== 'ok').map(([n]) => n)
  return { status: failing.length ? 'fail' : 'ok', ...(failing.length ? { failing } : {}), components: Object.fromEntries(entries) }
}

function withTimeout<T> (p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())])
}
