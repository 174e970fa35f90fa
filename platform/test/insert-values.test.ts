/**
 * insertValues: many rows in one INSERT (issue 11: a bulk import a chunk per statement), and
 * rowsInOrder: a list's rows a page of ids per statement. Pure SQL
 * building here; that DEFAULT stores each column's default, and that foreign keys between rows of
 * one statement hold, is shown on PGlite and PostgreSQL by tests/registry/import-chunks.test.ts
 * and registry-csv-import.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { insertValues, rowsInOrder } from '../src/db/db.ts'

describe('insertValues', () => {
  it('lists the union of the rows\' columns in the order first seen, DEFAULT where a row has none or undefined', () => {
    const { sql, params } = insertValues('t', [{ id: 'a', name: 'x' }, { id: 'b', flags: '[]', name: undefined }, { id: 'c', name: null }])
    expect(sql).toBe('insert into t (id, name, flags) values ($1, $2, DEFAULT), ($3, DEFAULT, $4), ($5, $6, DEFAULT)')
    expect(params).toEqual(['a', 'x', 'b', '[]', 'c', null])
  })

  it('numbers its parameters after the ones given, which come first', () => {
    const { sql, params } = insertValues('t', [{ id: 'a' }, { id: 'b' }], ['by'])
    expect(sql).toBe('insert into t (id) values ($2), ($3)')
    expect(params).toEqual(['by', 'a', 'b'])
  })

  it('refuses no rows (an INSERT of nothing is a caller\'s mistake)', () => {
    expect(() => insertValues('t', [])).toThrow(/no rows for t/)
  })
})

describe('rowsInOrder', () => {
  it('reads the rows a page of ids per call and answers them in the ids\' order, leaving out ids whose row is gone', async () => {
    const table = new Map(Array.from({ length: 10 }, (_, i) => [`r${i}`, { id: `r${i}`, n: i }]))
    table.delete('r4')
    const pages: string[][] = []
    const ids = ['r9', 'r2', 'r4', 'r7', 'r0', 'r5', 'r1']
    const rows = await rowsInOrder(ids, async (page) => {
      pages.push([...page])
      return [...page].reverse().flatMap((id) => table.get(id) ?? []) // in any order
    }, 3)
    expect(rows.map((r) => r.id)).toEqual(['r9', 'r2', 'r7', 'r0', 'r5', 'r1'])
    expect(pages).toEqual([['r9', 'r2', 'r4'], ['r7', 'r0', 'r5'], ['r1']])
    expect(await rowsInOrder([], async () => { throw new Error('no statement for no ids') })).toEqual([])
  })
})
