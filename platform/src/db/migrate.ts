/**
 * Versioned SQL migrations (PostgreSQL dialect), applied in order, each in its own
 * transaction, recorded in `schema_migrations`. Files: `migrations/NNNN_name.sql`.
 * Several processes starting at once serialise on an advisory lock.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Db } from './db.ts'

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url))
const LOCK_KEY = 4_242_001

export interface Migration { version: number, name: string, sql: string }

export function loadMigrations (dir = DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: readFileSync(dir + f, 'utf8') }))
}

/** Applies every migration not yet applied; returns the versions it applied. */
export async function migrate (db: Db, migrations = loadMigrations()): Promise<number[]> {
  await db.exec(`create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at timestamptz not null default now())`)
  const applied: number[] = []
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY])
    const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).rows.map((r) => r.version))
    for (const m of migrations) {
      if (done.has(m.version)) continue
      for (const stmt of splitStatements(m.sql)) await tx.query(stmt)
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name])
      applied.push(m.version)
    }
  })
  return applied
}

/**
 * Splits a script into statements at a `;` that ends a line, outside `$$` bodies.
 * (PGlite's extended-protocol `query` takes one statement at a time.)
 */
export function splitStatements (sql: string): string[] {
  const out: string[] = []
  let current: string[] = []
  let inDollar = false
  for (const line of sql.split('\n')) {
    if (line.trim().startsWith('--') && !inDollar) continue
    current.push(line)
    if ((line.match(/\$\$/g)?.length ?? 0) % 2 === 1) inDollar = !inDollar
    if (!inDollar && line.trimEnd().endsWith(';')) {
      const stmt = current.join('\n').trim()
      if (stmt !== ';') out.push(stmt)
      current = []
    }
  }
  const rest = current.join('\n').trim()
  if (rest) out.push(rest)
  return out
}
