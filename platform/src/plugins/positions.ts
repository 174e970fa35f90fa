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
  /** without `live` (scaled mode): how often open incidents follow `positions_last`, ms. Default 15000; 0 = never. */
  followStoredEveryMs?: number
}

export const positionsPlugin = fp<PositionsPluginOptions>(async (app, opts) => {
  const service = new PositionService(app.db, { live: opts.live, track: opts.track ?? new SqlTrackStore(app.db), recentMs: opts.recentMs, now: opts.now })
  app.decorate('positions', service)
  // In embedded mode the wiring hears every position; elsewhere incidents follow the coarse copy.
  const every = opts.followStoredEveryMs ?? 15_000
  if (opts.live || every <= 0) return
  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      service.followStored((tx, id, kind, data) => app.incidents.addTimeline(tx, id, kind, null, null, data))
        .then((ids) => Promise.all(ids.map((id) => app.response.effects.announce(id))))
        .catch((err) => app.log.warn({ err }, 'incident positions not followed'))
    }, every)
    timer.unref()
  })
  app.addHook('onClose', async () => { clearInterval(timer) })
}, { name: 'positions', dependencies: ['db'], decorators: { fastify: ['db'] } })
