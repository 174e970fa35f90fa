/**
 * One map for the whole console (issue 15), on Leaflet through react-leaflet: raster XYZ tiles
 * are what Tianditu, AMap and OpenStreetMap serve, Leaflet needs no WebGL (control-room PCs and
 * thin clients), and it stays small. Everything drawn is given in WGS-84 and converted here to the
 * tile source's datum (MAP_DATUM: AMap tiles are GCJ-02). With no tiles configured, or none
 * reachable, the points, circles, lines and areas are still drawn on a plain background with a
 * scale bar — never a blank box.
 */
import 'leaflet/dist/leaflet.css'
import { fromWgs84, toWgs84, type LatLng } from '@eldercare/protocols'
import { useEffect, useMemo, useState } from 'react'
import { Circle, CircleMarker, MapContainer, Polygon, Polyline, ScaleControl, TileLayer, Tooltip, useMap, useMapEvents } from 'react-leaflet'
import { useMapSettings, type MapSettings } from '../api/map-data.ts'

export interface MapPoint extends LatLng {
  id: string
  color: string
  label?: string
  pulse?: boolean
  radiusPx?: number
  /** an extra class on the marker's path (tests and styles find a kind of marker by it) */
  kind?: string
}
export interface MapCircle extends LatLng { id: string, radiusM: number, color: string, dashed?: boolean }
export interface MapLine { id: string, points: LatLng[], color: string, dashed?: boolean }
export interface MapArea { id: string, points: LatLng[], color: string }

export interface MapViewProps {
  center: LatLng
  zoom?: number
  points?: MapPoint[]
  circles?: MapCircle[]
  lines?: MapLine[]
  areas?: MapArea[]
  /** fit the view to everything drawn instead of `center`/`zoom` */
  fit?: boolean
  height?: number | string
  dark?: boolean
  /** no dragging or zooming (the wall screen) */
  still?: boolean
  testId?: string
  /** a click on the map, in WGS-84 (drawing a safe zone) */
  onPick?: (p: LatLng) => void
}

const DEFAULT_SETTINGS: MapSettings = { tiles: null, attribution: null, datum: 'wgs84' }

export function MapView ({ center, zoom = 16, points = [], circles = [], lines = [], areas = [], fit = false, height = 260, dark = false, still = false, testId = 'map', onPick }: MapViewProps) {
  const settings = useMapSettings().data ?? DEFAULT_SETTINGS
  const [tilesFailed, setTilesFailed] = useState(false)
  const to = useMemo(() => (p: LatLng): [number, number] => { const q = fromWgs84(p, settings.datum); return [q.lat, q.lng] }, [settings.datum])
  const all = [...points, ...circles, ...lines.flatMap((l) => l.points), ...areas.flatMap((a) => a.points)]
  const showTiles = settings.tiles !== null && !tilesFailed
  return (
    <div
      className={`map-view${dark ? ' map-view--dark' : ''}${showTiles ? '' : ' map-view--plain'}`}
      style={{ height }}
      data-testid={testId}
      data-tiles={showTiles ? 'on' : 'off'}
      data-datum={settings.datum}
    >
      <MapContainer
        center={to(center)} zoom={zoom} style={{ height: '100%', width: '100%' }}
        zoomControl={!still} dragging={!still} scrollWheelZoom={!still} doubleClickZoom={!still} keyboard={!still} attributionControl
      >
        {settings.tiles !== null && (
          <TileLayer
            url={settings.tiles}
            attribution={settings.attribution ?? ''}
            eventHandlers={{ tileerror: () => setTilesFailed(true), tileload: () => setTilesFailed(false) }}
          />
        )}
        <ScaleControl imperial={false} />
        <ViewState />
        {onPick !== undefined && <Picker datum={settings.datum} onPick={onPick} />}
        {fit && all.length > 0 && <FitTo points={all.map(to)} />}
        {areas.map((a) => <Polygon key={a.id} positions={a.points.map(to)} pathOptions={{ color: a.color, weight: 2, fillOpacity: 0.08 }} />)}
        {circles.map((c) => <Circle key={c.id} center={to(c)} radius={c.radiusM} pathOptions={{ color: c.color, weight: 1.5, fillOpacity: 0.1, dashArray: c.dashed ? '6 4' : undefined }} />)}
        {lines.map((l) => <Polyline key={l.id} positions={l.points.map(to)} pathOptions={{ color: l.color, weight: l.dashed ? 2 : 3, opacity: 0.8, dashArray: l.dashed ? '6 6' : undefined }} />)}
        {points.map((p) => {
          const className = `map-point${p.pulse ? ' map-point--pulse' : ''}${p.kind !== undefined ? ` map-point--${p.kind}` : ''}`
          // Leaflet's setStyle does not change a path's class: a marker whose class changes (stops
          // pulsing once acknowledged, a candidate becomes the one sent) is drawn anew
          return (
            <CircleMarker
              key={`${p.id}|${className}`} center={to(p)} radius={p.radiusPx ?? 8}
              pathOptions={{ color: '#fff', weight: 2, fillColor: p.color, fillOpacity: 1, className }}
            >
              {p.label !== undefined && <Tooltip permanent direction='top' offset={[0, -8]}>{p.label}</Tooltip>}
            </CircleMarker>
          )
        })}
      </MapContainer>
    </div>
  )
}

function FitTo ({ points }: { points: Array<[number, number]> }) {
  const map = useMap()
  const key = JSON.stringify(points)
  useEffect(() => {
    if (points.length === 1) map.setView(points[0]!, Math.max(map.getZoom(), 15))
    else map.fitBounds(points, { padding: [24, 24], maxZoom: 17 })
  }, [key]) // eslint-disable-line react-hooks/exhaustive-deps
  return null
}

/**
 * The view as attributes of the container (`data-center`, `data-zoom`, in the tile datum): what
 * the map shows can be checked from outside (browser tests place markers by it) without a global.
 */
function ViewState () {
  const map = useMap()
  const write = () => {
    const c = map.getCenter()
    const el = map.getContainer()
    el.dataset.center = `${c.lat.toFixed(7)},${c.lng.toFixed(7)}`
    el.dataset.zoom = String(map.getZoom())
  }
  useMapEvents({ moveend: write, zoomend: write })
  useEffect(write, []) // eslint-disable-line react-hooks/exhaustive-deps
  return null
}

function Picker ({ datum, onPick }: { datum: MapSettings['datum'], onPick: (p: LatLng) => void }) {
  useMapEvents({ click: (e) => onPick(toWgs84({ lat: e.latlng.lat, lng: e.latlng.lng }, datum)) })
  return null
}
