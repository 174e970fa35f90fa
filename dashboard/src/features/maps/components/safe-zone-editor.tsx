/**
 * The resident card's safe zone (issue 15): shown on the map to everyone who reads the resident,
 * edited by supervisors — a circle around the home (radius), or a polygon drawn by clicking the
 * map; how long outside before the alarm; an optional watch window (e.g. nights only).
 */
import type { LatLng } from '@eldercare/protocols'
import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { deleteSafeZone, putSafeZone, useSafeZone, useSiteGeo } from '../api/map-data.ts'
import { MapView, type MapCircle, type MapPoint } from './map-view.tsx'

export function SafeZoneEditor ({ residentId, siteId, canEdit }: { residentId: string, siteId: string, canEdit: boolean }) {
  const { t } = useI18n()
  const [version, setVersion] = useState(0)
  const zone = useSafeZone(residentId, version).data ?? null
  const home = useSiteGeo(siteId).data ?? null
  const [radius, setRadius] = useState('500')
  const [grace, setGrace] = useState('300')
  const [start, setStart] = useState('')
  const [end, setEnd] = useState('')
  const [drawing, setDrawing] = useState<LatLng[] | null>(null)
  const [error, setError] = useState<Error | null>(null)
  const centre = home ?? zone?.circle ?? (zone?.polygon ? { lat: zone.polygon[0]![0], lng: zone.polygon[0]![1] } : null)
  if (centre === null) return <p className='muted'>{t('map.noPosition')}</p>

  const points: MapPoint[] = home === null ? [] : [{ id: 'home', ...home, color: '#12b76a', label: t('map.home'), radiusPx: 6 }]
  for (const [n, p] of (drawing ?? []).entries()) points.push({ id: `v${n}`, ...p, color: '#7a5af8', radiusPx: 4 })
  const circles: MapCircle[] = zone?.circle ? [{ id: 'zone', ...zone.circle, color: '#12b76a', dashed: true }] : []
  const schedule = start !== '' && end !== '' ? { start, end } : null
  const save = async (body: Parameters<typeof putSafeZone>[1]) => {
    setError(null)
    try { await putSafeZone(residentId, { ...body, graceS: Number(grace), schedule }); setDrawing(null); setVersion((v) => v + 1) } catch (err) { setError(err as Error) }
  }

  return (
    <div className='safe-zone' data-testid='safe-zone'>
      <MapView
        center={centre} zoom={15} points={points} circles={circles} fit testId='safe-zone-map'
        areas={zone?.polygon && drawing === null ? [{ id: 'zone', points: zone.polygon.map(([lat, lng]) => ({ lat, lng })), color: '#12b76a' }] : drawing !== null && drawing.length > 1 ? [{ id: 'draft', points: drawing, color: '#7a5af8' }] : []}
        onPick={canEdit && drawing !== null ? (p) => setDrawing([...drawing, p]) : undefined}
      />
      <p className='muted' data-testid='safe-zone-summary'>
        {zone === null
          ? t('safeZone.none')
          : `${zone.circle ? `${t('safeZone.circle')} ${Math.round(zone.circle.radiusM)} m` : `${t('safeZone.polygon')} (${zone.polygon?.length ?? 0})`} · ${t('safeZone.grace')} ${zone.graceS} s${zone.schedule ? ` · ${zone.schedule.start}–${zone.schedule.end}` : ''}`}
      </p>
      {canEdit && (
        <div className='safe-zone__form'>
          <label>{t('safeZone.radius')} <input type='number' min={20} max={50000} value={radius} onChange={(e) => setRadius(e.target.value)} data-testid='safe-zone-radius' /></label>
          <label>{t('safeZone.grace')} <input type='number' min={0} max={86400} value={grace} onChange={(e) => setGrace(e.target.value)} /></label>
          <label>{t('safeZone.from')} <input type='time' value={start} onChange={(e) => setStart(e.target.value)} /></label>
          <label>{t('safeZone.to')} <input type='time' value={end} onChange={(e) => setEnd(e.target.value)} /></label>
          <button type='button' className='button' onClick={() => { void save({ circle: { radiusM: Number(radius) } }) }} data-testid='safe-zone-save-circle'>{t('safeZone.saveCircle')}</button>
          {drawing === null
            ? <button type='button' className='button button--quiet' onClick={() => setDrawing([])}>{t('safeZone.draw')}</button>
            : <button type='button' className='button' disabled={drawing.length < 3} onClick={() => { void save({ polygon: drawing.map((p) => [p.lat, p.lng] as [number, number]) }) }}>{t('safeZone.savePolygon')}</button>}
          {zone !== null && <button type='button' className='button button--quiet' onClick={() => { deleteSafeZone(residentId).then(() => setVersion((v) => v + 1), (err) => setError(err as Error)) }}>{t('safeZone.remove')}</button>}
          {error !== null && <ErrorMessage error={describeApiError(error, t)} />}
        </div>
      )}
    </div>
  )
}
