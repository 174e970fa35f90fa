/**
 * The incident engine (features/incidents/engine.ts): turns inbox rows into incidents and hands
 * each committed change to the incident effects (app.response.effects) — nothing in between.
 */
import fp from 'fastify-plugin'
import type { Logger } from 'pino'
import { IncidentEngine, type EngineOptions } from '../features/incidents/engine.ts'

declare module 'fastify' {
  interface FastifyInstance {
    engine: IncidentEngine
  }
}

export const enginePlugin = fp<{ logger: Logger, options?: EngineOptions }>(async (app, opts) => {
  const engine = new IncidentEngine(app.db, app.incidents, opts.logger.child({ part: 'engine' }), app.response.effects, opts.options)
  app.decorate('engine', engine)
  app.addHook('onReady', async () => { engine.start() })
  app.addHook('onClose', async () => { await engine.stop() })
}, { name: 'engine', dependencies: ['db', 'incidents', 'response'], decorators: { fastify: ['db', 'incidents', 'response'] } })
