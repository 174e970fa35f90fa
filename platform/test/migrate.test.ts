import { describe, expect, it } from 'vitest'
import { openDb } from '../src/db/db.ts'
import { loadMigrations, migrate, splitStatements } from '../src/db/migrate.ts'

describe('migrations', () => {
  it('splits a script at line-ending semicolons, keeping $$ bodies whole', () => {
    const sql = 'create table a (x int);\n-- a comment;\ncreate function f() returns int as $$\nbegin\n  return 1;\nend;\n$$ language plpgsql;\n'
    expect(splitStatements(sql)).toEqual(['create table a (x int);', 'create function f() returns int as $$\nbegin\n  return 1;\nend;\n$$ language plpgsql;'])
  })

  it('applies every migration once on a real PGlite, and none the second time', async () => {
    const db = await openDb({ dataDir: 'memory://' })
    try {
      const all = loadMigrations().map((m) => m.version)
      expect(await migrate(db)).toEqual(all)
      expect(await migrate(db)).toEqual([])
      const { rows } = await db.query<{ n: string }>('select count(*) as n from schema_migrations')
      expect(Number(rows[0].n)).toBe(all.length)
    } finally {
      await db.close()
    }
  })
})
