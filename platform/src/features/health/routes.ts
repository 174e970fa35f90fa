import type { FastifyPluginAsync } from 'fastify'
import { runHealthChecks, type HealthCheck } from '@eldercare/common'

/** A component check: resolves with details when healthy, throws when not (common's, shared with the standalone gateway's /ready). */
export type { HealthCheck }

/** `GET /api/health`: 200 when every component answers, 503 naming the failing one. */
export const healthRoutes: FastifyPluginAsync<{ checks: Record<string, HealthCheck> }> = async (app, opts) => {
  // Liveness (docs/deployment.md): the process serves HTTP; no component is asked, so an outage
  // of the database makes the node unready (/api/health, 503), not a candidate for a restart.
  app.get('/api/live', { schema: { tags: ['ops'], summary: 'Liveness: the process answers' } }, async () => ({ status: 'ok' }))
  app.get('/api/health', { schema: { tags: ['ops'], summary: 'Health of each component' } }, async (_req, reply) => {
    const report = await runHealthChecks(opts.checks)
    return reply.code(report.status === 'ok' ? 200 : 503).send(report)
  })
}
