import type { IncidentDto } from '@eldercare/protocols'
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { setSoundEnabled } from '../../../lib/sound-preference.ts'
import { sockets } from '../../../testing/fake-realtime.ts'
import { anIncident, anIncidentDetail, jsonResponse } from '../../../testing/incident-fixtures.ts'
import { IncidentsConsole } from './incidents-console.tsx'
import { alarmSoundsPlayed, forgetAlarmSounds } from '../../../testing/alarm-sounds.ts'

vi.mock('../../../lib/socket.ts', () => import('../../../testing/fake-realtime.ts'))

const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString()

/** A fake platform: the active list and a few incident endpoints. */
function platform (active: IncidentDto[]) {
  const calls: Array<{ method: string, url: string, body: unknown }> = []
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET'
    calls.push({ method, url, body: init.body === undefined ? undefined : JSON.parse(String(init.body)) })
    if (url === '/api/incidents?status=active&limit=5000') return jsonResponse(200, { items: active })
    const ack = /^\/api\/incidents\/([^/]+)\/acknowledge$/.exec(url)
    if (ack !== null) {
      const incident = active.find((i) => i.id === ack[1])
      if (incident === undefined || incident.status !== 'open') {
        return jsonResponse(409, { error: { code: 'PLT_ERR_INVALID_TRANSITION', message: 'not open' } })
      }
      return jsonResponse(200, { ...incident, status: 'acknowledged', acknowledgedAt: new Date().toISOString(), updatedAt: new Date().toISOString() })
    }
    const one = /^\/api\/incidents\/([^/]+)$/.exec(url)
    const found = one === null ? undefined : active.find((i) => i.id === one[1])
    if (found !== undefined) return jsonResponse(200, anIncidentDetail(found))
    return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
  })
  vi.stubGlobal('fetch', fetchMock)
  return { calls, setActive: (items: IncidentDto[]) => { active = items } }
}

const rows = () => screen.queryAllByTestId('incident-row')
const rowIds = () => rows().map((r) => r.dataset.incidentId)
const activeFetches = (calls: Array<{ url: string }>) => calls.filter((c) => c.url === '/api/incidents?status=active&limit=5000').length

describe('live incident queue', () => {
  beforeEach(() => {
    sockets.length = 0
    forgetAlarmSounds()
  })

  it('lists the active incidents by priority, then age, with their test hooks', async () => {
    platform([
      anIncident({ id: 'p2-old', priority: 'P2', type: 'bed_exit', openedAt: minutesAgo(30) }),
      anIncident({ id: 'p1-new', priority: 'P1', openedAt: minutesAgo(1) }),
      anIncident({ id: 'p1-old', priority: 'P1', status: 'acknowledged', openedAt: minutesAgo(5) })
    ])
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await waitFor(() => { expect(rowIds()).toEqual(['p1-old', 'p1-new', 'p2-old']) })
    const [first, second] = rows()
    expect(first.dataset).toMatchObject({ status: 'acknowledged', priority: 'P1' })
    expect(second.textContent).toContain('P1 紧急')
    expect(second.textContent).toContain('跌倒')
    expect(second.textContent).toContain('待响应')
    // Acknowledge is offered only where the state machine allows it.
    expect(first.querySelector('[data-testid="ack-button"]')).toBeNull()
    expect(second.querySelector('[data-testid="ack-button"]')).not.toBeNull()
  })

  it('adds an opened incident, sounds it, announces it, and drops it when resolved', async () => {
    platform([anIncident({ id: 'old', priority: 'P3', type: 'inactivity' })])
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await waitFor(() => { expect(rowIds()).toEqual(['old']) })
    expect(alarmSoundsPlayed()).toHaveLength(0)

    const fall = anIncident({ id: 'new', priority: 'P1', openedAt: minutesAgo(0), residentName: '李建国' })
    act(() => { sockets[0].serverEmit('incident:opened', fall) })
    expect(rowIds()).toEqual(['new', 'old'])
    expect(alarmSoundsPlayed()).toHaveLength(1)
    expect(screen.getByTestId('alarm-announcer').textContent).toContain('李建国')

    act(() => { sockets[0].serverEmit('incident:updated', { ...fall, status: 'resolved', updatedAt: new Date(Date.now() + 1000).toISOString() }) })
    expect(rowIds()).toEqual(['old'])
  })

  it('stays silent when muted', async () => {
    setSoundEnabled(false)
    platform([])
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await screen.findByTestId('queue-empty')
    act(() => { sockets[0].serverEmit('incident:opened', anIncident({ id: 'x' })) })
    expect(rowIds()).toEqual(['x'])
    expect(alarmSoundsPlayed()).toHaveLength(0)
  })

  it('ignores a malformed event', async () => {
    platform([])
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await screen.findByTestId('queue-empty')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    act(() => { sockets[0].serverEmit('incident:opened', { id: 'bad', priority: 'P9' }) })
    expect(rows()).toHaveLength(0)
    expect(warn).toHaveBeenCalled()
    warn.mockRestore()
  })

  it('shows a banner while disconnected and fetches the list again on reconnect', async () => {
    const server = platform([anIncident({ id: 'a', priority: 'P2' })])
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await waitFor(() => { expect(rowIds()).toEqual(['a']) })
    act(() => { sockets[0].serverEmit('connect') })
    await waitFor(() => { expect(activeFetches(server.calls)).toBe(2) })

    act(() => { sockets[0].serverEmit('disconnect', 'transport close') })
    expect(screen.getByTestId('connection-banner').textContent).toContain('断开连接，正在重连')

    // Opened while we were away: the refetch brings it in and it is treated as new.
    server.setActive([anIncident({ id: 'a', priority: 'P2' }), anIncident({ id: 'missed', priority: 'P1' })])
    act(() => { sockets[0].serverEmit('connect') })
    await waitFor(() => { expect(rowIds()).toEqual(['missed', 'a']) })
    expect(activeFetches(server.calls)).toBe(3)
    expect(screen.queryByTestId('connection-banner')).toBeNull()
    expect(alarmSoundsPlayed()).toHaveLength(1)
  })

  it('acknowledges with the row button', async () => {
    const server = platform([anIncident({ id: 'a' })])
    render(<IncidentsConsole getToken={() => 'tok'} />)
    fireEvent.click(await screen.findByTestId('ack-button'))
    await waitFor(() => { expect(rows()[0].dataset.status).toBe('acknowledged') })
    expect(server.calls).toContainEqual({ method: 'POST', url: '/api/incidents/a/acknowledge', body: {} })
  })

  it('moves between rows with the arrow keys and acknowledges the focused one with "a"', async () => {
    const server = platform([anIncident({ id: 'first', priority: 'P1' }), anIncident({ id: 'second', priority: 'P2' })])
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await waitFor(() => { expect(rowIds()).toEqual(['first', 'second']) })
    const [first] = rows()
    expect(first.tabIndex).toBe(0)
    first.focus()
    fireEvent.keyDown(first, { key: 'ArrowDown' })
    const second = rows()[1]
    expect(document.activeElement).toBe(second)
    fireEvent.keyDown(second, { key: 'a' })
    await waitFor(() => { expect(rows()[1].dataset.status).toBe('acknowledged') })
    expect(server.calls.filter((c) => c.method === 'POST').map((c) => c.url)).toEqual(['/api/incidents/second/acknowledge'])
  })

  it('opens the details with Enter and shows a 409 inline', async () => {
    const incident = anIncident({ id: 'a', priority: 'P1' })
    const server = platform([incident])
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await waitFor(() => { expect(rowIds()).toEqual(['a']) })
    fireEvent.keyDown(rows()[0], { key: 'Enter' })
    const detail = await screen.findByTestId('incident-detail')
    await waitFor(() => { expect(detail.querySelector('[data-testid="detail-ack-button"]')).not.toBeNull() })
    // Meanwhile a colleague acknowledged it; our request is refused.
    server.setActive([{ ...incident, status: 'acknowledged' }])
    fireEvent.click(screen.getByTestId('detail-ack-button'))
    expect((await screen.findByRole('alert')).textContent).toContain('报警状态已变化')
  })

  it('opens the incident the route names (#/queue/<id>), and a newly routed one', async () => {
    platform([anIncident({ id: 'first', priority: 'P1' }), anIncident({ id: 'visit-follow-up', priority: 'P3', type: 'visit_follow_up' })])
    const { rerender } = render(<IncidentsConsole getToken={() => 'tok'} selectId='visit-follow-up' />)
    expect((await screen.findByTestId('incident-detail')).dataset.incidentId).toBe('visit-follow-up')
    rerender(<IncidentsConsole getToken={() => 'tok'} selectId='first' />)
    await waitFor(() => { expect(screen.getByTestId('incident-detail').dataset.incidentId).toBe('first') })
  })
})
