/** GET /api/wall: the control-room wall screen's figures for the caller's area (issue 15). */
import type { FastifyPluginAsync } from 'fastify'
import { wallSummary } from './service.ts'

export const wallRoutes: FastifyPluginAsync<{ now: () => number, timeZone: string }> = async (app, opts) => {
  app.get('/api/wall', {
    schema: { tags: ['incidents'], summary: 'Control-room figures for the caller\'s area: today\'s alarms, open, breaches, acknowledged ≤ 60 s, devices online, visit coverage, latest events, incident places' },
    preHandler: [app.authenticate, app.requireCapability('incident.read')]
  }, async (req) => wallSummary(app.db, { id: req.user.areaId, path: req.user.areaPath }, opts.now(), opts.timeZone))
}
