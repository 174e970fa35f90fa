import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { sockets } from '../../../testing/fake-realtime.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { aDevice } from '../../../testing/registry-fixtures.ts'
import { DevicesScreen } from './devices-screen.tsx'

vi.mock('../../../lib/socket.ts', () => import('../../../testing/fake-realtime.ts'))

const devices = [
  aDevice({ id: 'dev-fall', type: 'fall_detector', siteId: 's1', online: true, battery: 80, lastSeenAt: '2026-01-01T08:00:00.000Z', fw: '1.0.3' }),
  aDevice({ id: 'dev-door', type: 'door_sensor', siteId: 's1', online: true, battery: 15, lastSeenAt: null, fw: null })
]

function platform (commandStatuses: string[]) {
  const calls: string[] = []
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push(`${init.method ?? 'GET'} ${url}`)
    if (url === '/api/devices') return jsonResponse(200, { items: devices })
    if (url === '/api/sites') return jsonResponse(200, { items: [{ id: 's1', name: '幸福里 3 号楼', kind: 'home', areaId: 'a1', address: null, geo: null, rooms: [], familyBed: null }] })
    if (url === '/api/devices/dev-fall/commands') return jsonResponse(202, { id: 'cmd-1', deviceId: 'dev-fall', type: 'test.request', status: 'sent' })
    if (url === '/api/commands/cmd-1') return jsonResponse(200, { id: 'cmd-1', deviceId: 'dev-fall', type: 'test.request', status: commandStatuses.shift() ?? 'acked' })
    return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
  }))
  return calls
}

const row = (id: string) => screen.getAllByTestId('device-row').find((r) => r.dataset.deviceId === id)!

describe('devices screen', () => {
  beforeEach(() => { sockets.length = 0 })

  it('lists devices with battery, site and firmware, and flags a low battery in words', async () => {
    platform([])
    render(<DevicesScreen getToken={() => 'tok'} canCommand />)
    await screen.findAllByTestId('device-row')
    // The low battery sorts first among the online ones.
    expect(screen.getAllByTestId('device-row').map((r) => r.dataset.deviceId)).toEqual(['dev-door', 'dev-fall'])
    expect(within(row('dev-door')).getByTestId('device-battery').textContent).toBe('15% 电量低')
    await waitFor(() => { expect(within(row('dev-fall')).getByText('幸福里 3 号楼')).toBeTruthy() })
    expect(within(row('dev-fall')).getByText('1.0.3')).toBeTruthy()
  })

  it('follows live device:status events without reloading', async () => {
    platform([])
    render(<DevicesScreen getToken={() => 'tok'} canCommand />)
    await screen.findAllByTestId('device-row')
    sockets[0].serverEmit('device:status', { id: 'dev-fall', online: false, battery: 79, lastSeenAt: '2026-01-01T09:00:00.000Z' })
    await waitFor(() => { expect(row('dev-fall').dataset.online).toBe('false') })
    expect(within(row('dev-fall')).getByTestId('device-connection').textContent).toBe('离线')
    expect(within(row('dev-fall')).getByTestId('device-battery').textContent).toBe('79%')
    sockets[0].serverEmit('device:status', { id: 'dev-fall', online: 'yes' })
    expect(row('dev-fall').dataset.online).toBe('false')
  })

  it('keeps a status event that arrives while the list is still loading', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => { release = resolve })
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      if (url === '/api/devices') { await gate; return jsonResponse(200, { items: devices }) }
      return jsonResponse(200, { items: [] })
    }))
    render(<DevicesScreen getToken={() => 'tok'} canCommand />)
    await waitFor(() => { expect(sockets).toHaveLength(1) })
    sockets[0].serverEmit('device:status', { id: 'dev-fall', online: false, battery: 12, lastSeenAt: null })
    release()
    await waitFor(() => { expect(row('dev-fall').dataset.online).toBe('false') })
    expect(within(row('dev-fall')).getByTestId('device-battery').textContent).toBe('12% 电量低')
  })

  it('filters to offline devices', async () => {
    platform([])
    render(<DevicesScreen getToken={() => 'tok'} canCommand />)
    await screen.findAllByTestId('device-row')
    sockets[0].serverEmit('device:status', { id: 'dev-door', online: false, battery: null, lastSeenAt: null })
    fireEvent.change(screen.getByTestId('devices-filter-connection'), { target: { value: 'offline' } })
    await waitFor(() => { expect(screen.getAllByTestId('device-row').map((r) => r.dataset.deviceId)).toEqual(['dev-door']) })
  })

  it('sends a test request and polls the command until the device acknowledges it [P-3.5]', async () => {
    const calls = platform(['sent', 'acked'])
    render(<DevicesScreen getToken={() => 'tok'} canCommand />)
    await screen.findAllByTestId('device-row')
    fireEvent.click(within(row('dev-fall')).getByTestId('device-test-button'))
    const state = within(row('dev-fall')).getByTestId('device-test-state')
    await waitFor(() => { expect(state.dataset.phase).toBe('waiting') })
    await waitFor(() => { expect(state.dataset.status).toBe('acked') }, { timeout: 5000 })
    expect(state.textContent).toBe('设备已确认')
    expect(calls.filter((c) => c === 'GET /api/commands/cmd-1')).toHaveLength(2)
    expect(calls).toContain('POST /api/devices/dev-fall/commands')
  })

  it('offers no test request to a role that may not command devices', async () => {
    platform([])
    render(<DevicesScreen getToken={() => 'tok'} canCommand={false} />)
    await screen.findAllByTestId('device-row')
    expect(screen.queryByTestId('device-test-button')).toBeNull()
  })
})
