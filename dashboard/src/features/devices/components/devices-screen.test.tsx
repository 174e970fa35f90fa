import { Profiler } from 'react'
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

  it('takes a storm of statuses in a few renders, each device showing its newest', async () => {
    platform([])
    let commits = 0
    render(<Profiler id='devices' onRender={() => { commits++ }}><DevicesScreen getToken={() => 'tok'} canCommand /></Profiler>)
    await screen.findAllByTestId('device-row')
    const before = commits
    // a network cut and the reconnect: each status its own message (its own task), as a browser gets them
    for (let i = 0; i < 200; i++) {
      sockets[0].serverEmit('device:status', { id: i % 2 === 0 ? 'dev-fall' : 'dev-door', online: i >= 198, battery: 60 + (i % 7), lastSeenAt: null })
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    await waitFor(() => { expect(row('dev-fall').dataset.online).toBe('true') })
    await waitFor(() => { expect(row('dev-door').dataset.online).toBe('true') })
    expect(within(row('dev-fall')).getByTestId('device-battery').textContent).toBe(`${60 + (198 % 7)}%`)
    expect(within(row('dev-door')).getByTestId('device-battery').textContent).toBe(`${60 + (199 % 7)}%`)
    // one update per status re-rendered the screen 200 times; now one per STATUS_FLUSH_MS at most
    expect(commits - before).toBeLessThan(50)
  })

  it('shows a long list a page at a time; filters and live statuses apply to the whole list', async () => {
    const many = Array.from({ length: 450 }, (_, i) => aDevice({ id: `w${String(i).padStart(3, '0')}`, type: 'wearable', siteId: 's1', online: true, battery: 80 }))
    vi.stubGlobal('fetch', vi.fn(async (url: string) => jsonResponse(200, { items: url === '/api/devices' ? many : [] })))
    render(<DevicesScreen getToken={() => 'tok'} canCommand={false} />)
    await screen.findAllByTestId('device-row')
    const ids = () => screen.getAllByTestId('device-row').map((r) => r.dataset.deviceId)
    expect(ids()).toEqual(many.slice(0, 200).map((d) => d.id))
    expect(screen.getByTestId('devices-pager-state').textContent).toBe('第 1 / 3 页')
    expect(screen.getByTestId('devices-page-rows').textContent).toBe('显示第 1–200 条，共 450 条')
    expect(screen.getByTestId('devices-count').textContent).toBe('在线 450 / 共 450')
    fireEvent.click(screen.getByTestId('devices-pager-next'))
    fireEvent.click(screen.getByTestId('devices-pager-next'))
    expect(ids()).toEqual(many.slice(400).map((d) => d.id))
    expect((screen.getByTestId('devices-pager-next') as HTMLButtonElement).disabled).toBe(true)
    // a device of another page goes offline: counted at once, and (offline first) it heads page 1
    sockets[0].serverEmit('device:status', { id: 'w123', online: false, battery: 80, lastSeenAt: null })
    await waitFor(() => { expect(screen.getByTestId('devices-count').textContent).toBe('在线 449 / 共 450') })
    fireEvent.click(screen.getByTestId('devices-pager-prev'))
    fireEvent.click(screen.getByTestId('devices-pager-prev'))
    expect(ids()[0]).toBe('w123')
    // a filter starts at its first page; one page needs no pager
    fireEvent.click(screen.getByTestId('devices-pager-next'))
    fireEvent.change(screen.getByTestId('devices-filter-connection'), { target: { value: 'offline' } })
    await waitFor(() => { expect(ids()).toEqual(['w123']) })
    expect(screen.queryByTestId('devices-pager')).toBeNull()
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
