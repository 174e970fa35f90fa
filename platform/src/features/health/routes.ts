import type { FastifyPluginAsync } from 'fastify'

/** A component check: resolves with details when healthy, throws when not. */
export type HealthCheck = () => Promise<Record<string, unknown>>

/** `GET /api/health`: 200 when every component answers, 503 naming the failing one. */
export const healthRoutes: FastifyPluginAsync<{ checks: Record<string, HealthCheck> }> = async (app, opts) => {
  // Liveness (docs/deployment.md): the process serves HTTP; no component is asked, so an outage
  // of the database makes the node unready (/api/health, 503), not a candidate for a restart.
  app.get('/api/live', { schema: { tags: ['ops'], summary: 'Liveness: the process answers' } }, async () => ({ status: 'ok' }))
  app.get('/api/health', { schema: { tags: ['ops'], summary: 'Health of each component' } }, async (_req, reply) => {
    const entries = await Promise.all(Object.entries(opts.checks).map(async ([name, check]) => {
      try {
        return [name, { status: 'ok', ...(await withTimeout(check(), 2000)) }] as const
      } catch (err) {
        return [name, { status: 'fail', error: (err as Error).message }] as const
      }
    }))
    const components = Object.fromEntries(entries)
    const failing = entries.filter(([, c]) => c.status !== 'ok').map(([n]) => n)
    return reply.code(failing.length ? 503 : 200).send({ status: failing.length ? 'fail' : 'ok', ...(failing.length ? { failing } : {}), components })
  })
}

function withTimeout<T> (p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())])
}
