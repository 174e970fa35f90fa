/** Incidents: reads and state changes (features/incidents/service.ts). Side effects: plugins/response.ts (IncidentEffects). */
import fp from 'fastify-plugin'
import { IncidentService } from '../features/incidents/service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    incidents: IncidentService
  }
}

export const incidentsPlugin = fp<{ now: () => number }>(async (app, opts) => {
  app.decorate('incidents', new IncidentService(app.db, opts.now))
}, { name: 'incidents', dependencies: ['db'], decorators: { fastify: ['db'] } })
