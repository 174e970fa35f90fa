/**
 * What the console's maps read (issue 15): the installation's tile settings (GET /api/map),
 * a resident's position, track and safe zone, a site's coordinates. Positions arrive in WGS-84.
 */
import type { ResidentPositionDto, TrackDto } from '@eldercare/protocols'
import { apiRequest, pathId } from '../../../lib/api-client.ts'
import { useQuery } from '../../../lib/use-query.ts'

export interface MapSettings { tiles: string | null, attribution: string | null, datum: 'wgs84' | 'gcj02' | 'bd09' }
export interface SafeZone { circle?: { lat: number, lng: number, radiusM: number }, polygon?: Array<[number, number]>, graceS: number, schedule: { start: string, end: string } | null }

const NO_TILES: MapSettings = { tiles: null, attribution: null, datum: 'wgs84' }
let settings: Promise<MapSettings> | null = null

/** Read once per page: a failure means drawing on the plain background, never no map. */
export function getMapSettings (): Promise<MapSettings> {
  settings ??= apiRequest<MapSettings>('/api/map').catch(() => { settings = null; return NO_TILES })
  return settings
}

export function useMapSettings () {
  return useQuery('map-settings', () => getMapSettings())
}

export function useResidentTrack (residentId: string | null, fromMs: number, version: string) {
  return useQuery(residentId === null ? null : `track:${residentId}:${version}`, (signal) =>
    apiRequest<TrackDto>(`/api/residents/${pathId(residentId!)}/track?from=${fromMs}`, { signal }))
}

export function useResidentPosition (residentId: string | null, version: string) {
  return useQuery(residentId === null ? null : `position:${residentId}:${version}`, (signal) =>
    apiRequest<ResidentPositionDto>(`/api/residents/${pathId(residentId!)}/position`, { signal }).catch(() => null))
}

export function useSiteGeo (siteId: string) {
  return useQuery(`site-geo:${siteId}`, (signal) =>
    apiRequest<{ geo: { lat: number, lng: number } | null }>(`/api/sites/${pathId(siteId)}`, { signal }).then((s) => s.geo ?? null))
}

export function useSafeZone (residentId: string | null, version: number) {
  return useQuery(residentId === null ? null : `safe-zone:${residentId}:${version}`, (signal) =>
    apiRequest<SafeZone>(`/api/residents/${pathId(residentId!)}/safe-zone`, { signal }).catch(() => null))
}

export async function putSafeZone (residentId: string, body: { circle?: { lat?: number, lng?: number, radiusM: number }, polygon?: Array<[number, number]>, graceS?: number, schedule?: { start: string, end: string } | null }): Promise<SafeZone> {
  return apiRequest<SafeZone>(`/api/residents/${pathId(residentId)}/safe-zone`, { method: 'PUT', body })
}

export async function deleteSafeZone (residentId: string): Promise<void> {
  await apiRequest<void>(`/api/residents/${pathId(residentId)}/safe-zone`, { method: 'DELETE' })
}
