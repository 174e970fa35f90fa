/**
 * The control-room wall screen, `#/wall` (issue 15): for a 1920×1080 display, dark, nothing to
 * click. The signed-in user's area on a map with the active incidents coloured by priority and
 * pulsing while unacknowledged; today's alarms, open incidents and breaches; the share
 * acknowledged within 60 s today; devices online; this month's visit coverage; the latest ten
 * events. Live over socket.io (the server sends only the user's area); after a disconnect
 * everything is read again, so nothing missed stays missing.
 */
import { isIncidentDto, type IncidentDto } from '@eldercare/protocols'
import { useCallback, useEffect, useRef, useState } from 'react'
import type { WallDto } from '@eldercare/protocols'
import { apiRequest } from '../../../lib/api-client.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { connectRealtime } from '../../../lib/socket.ts'
import { MapView, type MapPoint } from '../../maps/components/map-view.tsx'

const PRIORITY_COLOR: Record<string, string> = { P1: '#f04438', P2: '#f79009', P3: '#2e90fa', P4: '#98a2b3' }
const ACTIVE = (i: IncidentDto) => i.status !== 'resolved' && i.status !== 'closed_false_alarm'
const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`)

export function WallScreen ({ getToken }: { getToken: () => string | null }) {
  const { t, tOr } = useI18n()
  const [summary, setSummary] = useState<WallDto | null>(null)
  const [incidents, setIncidents] = useState<Map<string, IncidentDto>>(new Map())
  const [connected, setConnected] = useState(true)
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const resync = useCallback(async () => {
    const [s, list] = await Promise.all([
      apiRequest<WallDto>('/api/wall'),
      apiRequest<{ items: unknown[] }>('/api/incidents?status=active&limit=2000')
    ])
    setSummary(s)
    setIncidents(new Map(list.items.filter(isIncidentDto).map((i) => [i.id, i])))
  }, [])

  // figures follow events, a few at a time
  const refreshSoon = useCallback(() => {
    if (refreshTimer.current !== null) return
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = null
      apiRequest<WallDto>('/api/wall').then(setSummary, () => {})
    }, 250)
  }, [])

  useEffect(() => {
    void resync().catch(() => {})
    const socket = connectRealtime(getToken)
    const onIncident = (i: IncidentDto) => {
      if (!isIncidentDto(i)) return
      setIncidents((prev) => {
        const next = new Map(prev)
        if (ACTIVE(i)) next.set(i.id, i)
        else next.delete(i.id)
        return next
      })
      refreshSoon()
    }
    socket.on('incident:opened', onIncident)
    socket.on('incident:updated', onIncident)
    socket.on('connect', () => { setConnected(true); void resync().catch(() => {}) })
    socket.on('disconnect', () => setConnected(false))
    const clock = setInterval(refreshSoon, 60_000)
    return () => { socket.close(); clearInterval(clock); if (refreshTimer.current !== null) clearTimeout(refreshTimer.current) }
  }, [getToken, resync, refreshSoon])

  const placeOf = new Map(summary?.places.map((p) => [p.incidentId, p]) ?? [])
  const points: MapPoint[] = []
  for (const i of incidents.values()) {
    const at = i.position ?? placeOf.get(i.id)
    if (!at) continue
    points.push({ id: i.id, lat: at.lat, lng: at.lng, color: PRIORITY_COLOR[i.priority] ?? '#f04438', pulse: i.status === 'open', radiusPx: i.priority === 'P1' ? 12 : 9, label: `${i.priority} ${tOr('incidentType.', i.type)}` })
  }
  const sitePoints: MapPoint[] = (summary?.sites ?? []).map((s) => ({ id: `site:${s.id}`, lat: s.lat, lng: s.lng, color: '#344054', radiusPx: 3 }))
  const centre = points[0] ?? sitePoints[0] ?? { lat: 39.915, lng: 116.404 }

  const tiles: Array<[string, string, string]> = summary === null
    ? []
    : [
        ['alarms', t('wall.alarmsToday'), String(summary.alarmsToday)],
        ['open', t('wall.open'), String(summary.open)],
        ['breaches', t('wall.breaches'), String(summary.breachesToday)],
        ['ack60', t('wall.ackWithin60'), pct(summary.ackWithin60sShare)],
        ['devices', t('wall.devicesOnline'), `${summary.devicesOnline} / ${summary.devicesTotal}`],
        ['coverage', t('wall.visitCoverage'), pct(summary.visitCoverageMonth)]
      ]

  return (
    <div className='wall' data-testid='wall'>
      <header className='wall__header'>
        <h1>{t('wall.title')}</h1>
        {!connected && <span className='wall__offline' role='status'>{t('wall.reconnecting')}</span>}
      </header>
      <div className='wall__map'>
        <MapView center={centre} zoom={13} points={[...sitePoints, ...points]} fit={points.length + sitePoints.length > 0} height='100%' dark still testId='wall-map' />
        <ul className='wall__incidents' data-testid='wall-incidents' hidden>
          {[...incidents.values()].map((i) => <li key={i.id} data-incident-id={i.id} data-priority={i.priority} data-status={i.status}>{i.priority}</li>)}
        </ul>
      </div>
      <section className='wall__figures'>
        {tiles.map(([key, label, value]) => (
          <div key={key} className='wall__figure' data-testid={`wall-${key}`}>
            <div className='wall__value'>{value}</div>
            <div className='wall__label'>{label}</div>
          </div>
        ))}
      </section>
      <section className='wall__latest'>
        <h2>{t('wall.latest')}</h2>
        <ol className='wall__ticker' data-testid='wall-latest'>
          {(summary?.latest ?? []).map((e, n) => (
            <li key={`${e.incidentId}:${e.at}:${n}`}>
              <span className='wall__time'>{new Date(e.at).toLocaleTimeString()}</span>
              <span className='wall__prio' style={{ color: PRIORITY_COLOR[e.priority] }}>{e.priority}</span>
              {tOr('incidentType.', e.type)} · {e.residentName ?? ''} · {tOr('timeline.', e.kind)}
            </li>
          ))}
        </ol>
      </section>
    </div>
  )
}
