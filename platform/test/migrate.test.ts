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

describe('migration 0014 (issue 13)', () => {
  it('stops on usernames that differ only in case, naming them, and moves the global policy to the root', async () => {
    const db = await openDb({ dataDir: 'memory://' })
    try {
      const all = loadMigrations()
      await migrate(db, all.filter((m) => m.version < 14))
      await db.exec(`insert into areas (id, name, level, path) values ('root', '市', 'city', '/root/');
        insert into users (id, username, password_hash, role, area_id) values ('u1', 'Admin', 'x', 'admin', 'root'), ('u2', 'admin', 'x', 'operator', 'root');
        insert into response_policies (key, value) values ('response', '{"sla":{}}')`)
      await expect(migrate(db, all)).rejects.toThrow(/differ only in case.*Admin, admin/)
      await db.query("update users set username = 'admin-2' where id = 'u2'")
      expect(await migrate(db, all)).toContain(14)
      const { rows } = await db.query<{ area_id: string }>('select area_id from area_response_policies')
      expect(rows).toEqual([{ area_id: 'root' }])
      await expect(db.query("insert into users (id, username, password_hash, role, area_id) values ('u3', 'ADMIN-2', 'x', 'operator', 'root')")).rejects.toThrow(/unique|duplicate/)
    } finally {
      await db.close()
    }
  })
})
