/**
 * Web Storage that never throws: private windows, disabled storage and full quotas must not
 * take the console down. A failed write only means the choice is not remembered.
 */
type Area = 'local' | 'session'

function area (kind: Area): Storage | null {
  try {
    return kind === 'local' ? window.localStorage : window.sessionStorage
  } catch {
    return null
  }
}

export function readStored (kind: Area, key: string): string | null {
  try {
    return area(kind)?.getItem(key) ?? null
  } catch {
    return null
  }
}

export function writeStored (kind: Area, key: string, value: string | null): void {
  try {
    const storage = area(kind)
    if (value === null) storage?.removeItem(key)
    else storage?.setItem(key, value)
  } catch {
    // Not remembered; the in-memory state still holds for this page.
  }
}

export function readStoredJson<T> (kind: Area, key: string, isValid: (value: unknown) => value is T): T | null {
  const raw = readStored(kind, key)
  if (raw === null) return null
  try {
    const value: unknown = JSON.parse(raw)
    return isValid(value) ? value : null
  } catch {
    return null
  }
}
