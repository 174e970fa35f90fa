/**
 * The incident workspace's map (issue 15): where the person is — the incident's position with its
 * accuracy circle, else the home — the home, the safe zone, the track of the last hour, and the
 * responders: the one sent (a dashed line to the person) and the nearest candidates, each with
 * the platform's distance from their base to the person, the figure the dispatch list shows. No
 * ETA: the product has no travel-speed assumption (responders walk, cycle or drive), so a time
 * would be invented.
 */
import { distanceM, type IncidentDto, type LatLng } from '@eldercare/protocols'
import { formatDistance } from '../../../lib/format-distance.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useResidentTrack, useSafeZone, useSiteGeo } from '../api/map-data.ts'
import { MapView, type MapCircle, type MapLine, type MapPoint } from './map-view.tsx'

const HOUR = 3600_000
const PRIORITY_COLOR: Record<string, string> = { P1: '#d92d20', P2: '#f79009', P3: '#2e90fa', P4: '#667085' }
const SENT_COLOR = '#0b4a9e'
const CANDIDATE_COLOR = '#5e7ce0'
/** candidates drawn (best first, as the dispatch list ranks them): enough to choose, few enough to read */
const CANDIDATES_SHOWN = 5

/** A responder to draw: the platform's distance (whole metres) from their base to the person. */
export interface MapResponder { id: string, name: string, lat?: number | null, lng?: number | null, distanceM?: number | null, distanceFrom?: 'position' | 'home' }

export function IncidentMap ({ incident, candidates = [] }: { incident: IncidentDto, candidates?: MapResponder[] }) {
  const { t, locale } = useI18n()
  const home = useSiteGeo(incident.siteId).data ?? null
  const position = incident.position ?? null
  const track = useResidentTrack(incident.residentId, Date.parse(incident.updatedAt) - HOUR, incident.updatedAt).data?.items ?? []
  const zone = useSafeZone(incident.residentId, 0).data ?? null
  const where = position ?? home
  if (where === null) return <p className='muted' data-testid='incident-map-none'>{t('map.noPosition')}</p>
  const active = incident.status !== 'resolved' && incident.status !== 'closed_false_alarm'
  const sent = incident.responder ?? null
  const responders = [
    ...(sent !== null ? [{ ...sent, sent: true }] : []),
    ...(active ? candidates.filter((c) => c.id !== sent?.id).slice(0, CANDIDATES_SHOWN).map((c) => ({ ...c, sent: false })) : [])
  ]
  const distanceText = (r: MapResponder) => t(r.distanceFrom === 'home' ? 'distance.toHome' : 'distance.toPosition', { distance: formatDistance(r.distanceM ?? null, locale) })

  const points: MapPoint[] = []
  if (home !== null) points.push({ id: 'home', ...home, color: '#12b76a', label: t('map.home'), radiusPx: 6 })
  const lines: MapLine[] = track.length > 1 ? [{ id: 'track', points: track, color: '#7a5af8' }] : []
  for (const r of responders) {
    if (r.lat == null || r.lng == null) continue
    const base: LatLng = { lat: r.lat, lng: r.lng }
    points.push({ id: `responder-${r.id}`, ...base, color: r.sent ? SENT_COLOR : CANDIDATE_COLOR, radiusPx: r.sent ? 7 : 5, kind: r.sent ? 'sent' : 'candidate', label: `${r.name} · ${formatDistance(r.distanceM ?? null, locale)}` })
    if (r.sent) lines.push({ id: 'sent', points: [base, where], color: SENT_COLOR, dashed: true })
  }
  if (position !== null) points.push({ id: 'person', lat: position.lat, lng: position.lng, color: PRIORITY_COLOR[incident.priority] ?? '#d92d20', label: incident.residentName ?? t('map.person'), pulse: incident.status === 'open' })
  const circles: MapCircle[] = []
  if (position?.acc != null) circles.push({ id: 'acc', lat: position.lat, lng: position.lng, radiusM: position.acc, color: '#d92d20' })
  if (zone?.circle) circles.push({ id: 'zone', ...zone.circle, color: '#12b76a', dashed: true })
  const fromHome = position !== null && home !== null ? distanceM(home, position) : null
  return (
    <div data-testid='incident-map' data-lat={where.lat} data-lng={where.lng}>
      <MapView
        center={where} points={points} circles={circles} lines={lines} fit testId='incident-map-view'
        areas={zone?.polygon ? [{ id: 'zone', points: zone.polygon.map(([lat, lng]) => ({ lat, lng })), color: '#12b76a' }] : []}
      />
      <p className='muted' data-testid='incident-map-caption'>
        {position === null
          ? t('map.atHomeNoPosition')
          : `${t('map.positionAt')} ${new Date(position.at).toLocaleTimeString()}${position.acc != null ? ` · ±${Math.round(position.acc)} m` : ''}${fromHome !== null ? ` · ${t('map.fromHome')} ${formatDistance(fromHome, locale)}` : ''}`}
      </p>
      {responders.length > 0 && (
        <ul className='map-responders' aria-label={t('map.responders')} data-testid='incident-map-responders'>
          {responders.map((r) => (
            <li key={r.id} data-responder-id={r.id} data-sent={r.sent} data-distance-m={r.distanceM ?? undefined}>
              <strong>{r.name}</strong>{r.sent && <span className='muted'> ({t('map.dispatched')})</span>} · {distanceText(r)}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
