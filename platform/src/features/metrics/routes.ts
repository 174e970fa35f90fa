import type { FastifyPluginAsync } from 'fastify'
import { Gauge } from 'prom-client'
import { bearerCheck } from '@eldercare/common'
import { metricsRegistry, type MetricsSource } from '@eldercare/gateway'
import { errors } from '../../errors.ts'
import type { Db } from '../../db/db.ts'
import { databaseXidAge } from '../../db/vacuum.ts'

/** Adds figures to the app's registry (the gateway registers its counters this way; the gateway's type, as its standalone /metrics is built the same way). */
export type { MetricsSource }

/** `GET /metrics` in Prometheus text format, from a registry owned by this app. */
export const metricsRoutes: FastifyPluginAsync<{ db: Db, sources: MetricsSource[], token?: string | null }> = async (app, opts) => {
  const registry = metricsRegistry(opts.sources)
  new Gauge({
    name: 'eldercare_incidents_active',
    help: 'Incidents not yet resolved, by priority and status',
    labelNames: ['priority', 'status'],
    registers: [registry],
    async collect () {
      this.reset()
      const { rows } = await opts.db.query<{ priority: string, status: string, n: string }>(
        `select priority, status, count(*) as n from incidents where status not in ('resolved', 'closed_false_alarm') group by 1, 2`)
      for (const r of rows) this.set({ priority: r.priority, status: r.status }, Number(r.n))
    }
  })
  new Gauge({
    name: 'eldercare_inbox_backlog',
    help: 'Inbox rows not yet turned into incidents',
    registers: [registry],
    async collect () {
      const { rows } = await opts.db.query<{ n: string }>('select count(*) as n from inbox where processed_at is null')
      this.set(Number(rows[0].n))
    }
  })
  new Gauge({
    name: 'eldercare_commands',
    help: 'Commands to devices by status (sent, acked, failed, timed_out) [P-3.6]',
    labelNames: ['status'],
    registers: [registry],
    async collect () {
      this.reset()
      const { rows } = await opts.db.query<{ status: string, n: string }>('select status, count(*) as n from commands group by status')
      for (const status of ['sent', 'acked', 'failed', 'timed_out']) this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0))
    }
  })
  new Gauge({
    name: 'eldercare_db_xid_age',
    help: 'Transactions since the oldest unfrozen transaction id of the database; PostgreSQL stops taking writes as it nears 2^31 (2,147,483,648), and only VACUUM (FREEZE) brings it down',
    registers: [registry],
    async collect () {
      this.set(await databaseXidAge(opts.db))
    }
  })
  // Open by default for a local install; METRICS_TOKEN closes it to a scraper holding the token.
  const authorized = bearerCheck(opts.token)
  app.get('/metrics', {
    schema: { tags: ['ops'], hide: true },
    onRequest: async (req) => {
      if (!authorized(req.headers.authorization)) throw errors.UNAUTHORIZED('send Authorization: Bearer <METRICS_TOKEN>')
    }
  }, async (_req, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}
