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
  /**
   * How often open incidents follow `positions_last`, ms; 0 = never. Default 15000 without `live`,
   * else 0. Scaled mode hears watched positions by push (wiring.ts); this is its safety net for a
   * position relayed while Redis was away.
   */
  followStoredEveryMs?: number
}

export const positionsPlugin = fp<PositionsPluginOptions>(async (app, opts) => {
  const service = new PositionService(app.db, { live: opts.live, track: opts.track ?? new SqlTrackStore(app.db), recentMs: opts.recentMs, now: opts.now })
  app.decorate('positions', service)
  // The wiring hears positions (embedded: every one; scaled: watched wearers', relayed); the coarse copy is the fallback.
  const every = opts.followStoredEveryMs ?? (opts.live ? 0 : 15_000)
  if (every <= 0) return
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
