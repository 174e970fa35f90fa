import { render, screen, waitFor } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { sockets } from '../../../testing/fake-realtime.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { aDevice } from '../../../testing/registry-fixtures.ts'
import { SiteDevices } from './site-devices.tsx'

vi.mock('../../../lib/socket.ts', () => import('../../../testing/fake-realtime.ts'))

describe('site devices in the incident workspace', () => {
  beforeEach(() => { sockets.length = 0 })

  it('asks the platform for one site\'s devices and follows their live status', async () => {
    const urls: string[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      urls.push(url)
      return jsonResponse(200, { items: [aDevice({ id: 'dev-fall', type: 'fall_detector', siteId: 's1', online: true, battery: 80, lastSeenAt: null, fw: null })] })
    }))
    render(<SiteDevices siteId='s1' canCommand={false} getToken={() => 'tok'} />)
    const row = await screen.findByTestId('device-row')
    expect(urls).toEqual(['/api/devices?siteId=s1'])
    expect(row.dataset.online).toBe('true')
    sockets[0].serverEmit('device:status', { id: 'dev-fall', online: false, battery: 9, lastSeenAt: '2026-01-01T09:00:00.000Z' })
    await waitFor(() => { expect(screen.getByTestId('device-row').dataset.online).toBe('false') })
  })
})
