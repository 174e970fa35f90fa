/**
 * The console draws WGS-84 positions on tiles of another datum (issue 15): with MAP_DATUM gcj02
 * (AMap's tiles) a point is placed at its GCJ-02 coordinates, ~500 m off its WGS-84 ones in
 * Beijing, so that it lands on the right street of those tiles.
 */
import { fromWgs84, distanceM } from '@eldercare/protocols'
import { render, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'

const WHERE = { lat: 39.915, lng: 116.404 }

describe('MapView: display in the tiles\' datum (issue 15)', () => {
  it.each(['gcj02', 'bd09', 'wgs84'] as const)('places a WGS-84 point at its %s coordinates', async (datum) => {
    stubPlatform(() => jsonResponse(200, { tiles: null, attribution: null, datum }))
    vi.resetModules() // the tile settings are read once per page: a fresh page per datum
    const { MapView } = await import('./map-view.tsx')
    const { container } = render(<MapView center={WHERE} points={[{ id: 'p', ...WHERE, color: '#d92d20' }]} fit testId='m' />)
    const view = () => container.querySelector('[data-testid="m"]')!
    await waitFor(() => { expect(view().getAttribute('data-datum')).toBe(datum) })
    const want = fromWgs84(WHERE, datum)
    await waitFor(() => {
      const [lat, lng] = view().querySelector('.leaflet-container')!.getAttribute('data-center')!.split(',').map(Number)
      expect(lat).toBeCloseTo(want.lat, 6)
      expect(lng).toBeCloseTo(want.lng, 6)
    })
    if (datum !== 'wgs84') expect(distanceM(WHERE, want)).toBeGreaterThan(100) // the shift the conversion undoes
  })
})
