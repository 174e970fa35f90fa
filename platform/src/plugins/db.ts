import fp from 'fastify-plugin'
import type { Db } from '../db/db.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** the database (PGlite or PostgreSQL); its owner (main, embedded.ts or a test) closes it */
    db: Db
  }
}

/** Shares the database handle; the owner (main or a test) closes it. */
export const dbPlugin = fp<{ db: Db }>(async (app, opts) => {
  app.decorate('db', opts.db)
}, { name: 'db' })
