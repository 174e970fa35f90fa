/** Positions and safe zones (features/positions/service.ts) as `app.positions` (issue 15). */
import fp from 'fastify-plugin'
import { SqlTrackStore, type TrackStore } from '@eldercare/readings'
import { PositionService, type PositionServiceOptions } from '../features/positions/service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    positions: PositionService
  }
}

export interface PositionsPluginOptions {
  /** the gateway's in-memory last positions (embedded mode) */
  live?: PositionServiceOptions['live']
  /** where the track is (the gateway's in embedded mode); default the relational store on `db` */
  track?: TrackStore
  /** an incident carries a position no older than this, ms (default 10 min) */
  recentMs?: number
  now: () => number
}

export const positionsPlugin = fp<PositionsPluginOptions>(async (app, opts) => {
  app.decorate('positions', new PositionService(app.db, { live: opts.live, track: opts.track ?? new SqlTrackStore(app.db), recentMs: opts.recentMs, now: opts.now }))
}, { name: 'positions', dependencies: ['db'], decorators: { fastify: ['db'] } })
