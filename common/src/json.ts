/**
 * A json/jsonb column as the database driver answers it: PGlite parses it, a driver that leaves it
 * text (node-postgres for `json` in some queries, a value that went through a text cast) does not.
 */
export function jsonColumn<T> (v: T | string): T {
  return typeof v === 'string' ? JSON.parse(v) as T : v
}
