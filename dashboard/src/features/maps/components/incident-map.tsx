/**
 * The incident workspace's map (issue 15): where the person is — the incident's position with its
 * accuracy circle, else the home — the home, the safe zone, and the track of the last hour.
 */
import { distanceM, type IncidentDto } from '@eldercare/protocols'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useResidentTrack, useSafeZone, useSiteGeo } from '../api/map-data.ts'
import { MapView, type MapCircle, type MapPoint } from './map-view.tsx'

const HOUR = 3600_000
const PRIORITY_COLOR: Record<string, string> = { P1: '#d92d20', P2: '#f79009', P3: '#2e90fa', P4: '#667085' }

export function IncidentMap ({ incident }: { incident: IncidentDto }) {
  const { t } = useI18n()
  const home = useSiteGeo(incident.siteId).data ?? null
  const position = incident.position ?? null
  const track = useResidentTrack(incident.residentId, Date.parse(incident.updatedAt) - HOUR, incident.updatedAt).data?.items ?? []
  const zone = useSafeZone(incident.residentId, 0).data ?? null
  const where = position ?? home
  if (where === null) return <p className='muted' data-testid='incident-map-none'>{t('map.noPosition')}</p>
  const points: MapPoint[] = []
  if (home !== null) points.push({ id: 'home', ...home, color: '#12b76a', label: t('map.home'), radiusPx: 6 })
  if (position !== null) points.push({ id: 'person', lat: position.lat, lng: position.lng, color: PRIORITY_COLOR[incident.priority] ?? '#d92d20', label: incident.residentName ?? t('map.person'), pulse: incident.status === 'open' })
  const circles: MapCircle[] = []
  if (position?.acc != null) circles.push({ id: 'acc', lat: position.lat, lng: position.lng, radiusM: position.acc, color: '#d92d20' })
  if (zone?.circle) circles.push({ id: 'zone', ...zone.circle, color: '#12b76a', dashed: true })
  const fromHome = position !== null && home !== null ? distanceM(home, position) : null
  return (
    <div data-testid='incident-map' data-lat={where.lat} data-lng={where.lng}>
      <MapView
        center={where} points={points} circles={circles} fit testId='incident-map-view'
        lines={track.length > 1 ? [{ id: 'track', points: track, color: '#7a5af8' }] : []}
        areas={zone?.polygon ? [{ id: 'zone', points: zone.polygon.map(([lat, lng]) => ({ lat, lng })), color: '#12b76a' }] : []}
      />
      <p className='muted' data-testid='incident-map-caption'>
        {position === null
          ? t('map.atHomeNoPosition')
          : `${t('map.positionAt')} ${new Date(position.at).toLocaleTimeString()}${position.acc != null ? ` · ±${Math.round(position.acc)} m` : ''}${fromHome !== null ? ` · ${t('map.fromHome')} ${fromHome >= 1000 ? `${(fromHome / 1000).toFixed(1)} km` : `${Math.round(fromHome)} m`}` : ''}`}
      </p>
    </div>
  )
}
