/**
 * Hash routing for a handful of screens: `#/devices`, `#/residents/<id>`, `#/admin/areas`.
 * Hash URLs need nothing from the server (any path serves index.html or not, it still works), and
 * a router library would be more code than the few lines a fixed list of screens needs.
 */
import { useSyncExternalStore } from 'react'

export interface Route {
  /** The path's segments, decoded: `#/residents/r1` → `['residents', 'r1']`; `#/` → `[]`. */
  segments: string[]
}

export function parseHash (hash: string): Route {
  const path = hash.replace(/^#/, '')
  const segments = path.split('/').filter(Boolean).map((s) => {
    try { return decodeURIComponent(s) } catch { return s }
  })
  return { segments }
}

/** The hash for a list of segments: `hrefFor('residents', 'r 1')` → `#/residents/r%201`. */
export function hrefFor (...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`
}

export function navigate (...segments: string[]): void {
  window.location.hash = hrefFor(...segments).slice(1)
}

function subscribe (listener: () => void): () => void {
  window.addEventListener('hashchange', listener)
  return () => { window.removeEventListener('hashchange', listener) }
}

const getHash = (): string => window.location.hash
let lastHash: string | null = null
let lastRoute: Route = { segments: [] }

/** The current route, re-rendering on every hash change. */
export function useRoute (): Route {
  const hash = useSyncExternalStore(subscribe, getHash, () => '')
  if (hash !== lastHash) {
    lastHash = hash
    lastRoute = parseHash(hash)
  }
  return lastRoute
}
