import type { IncidentDto } from '@eldercare/protocols'
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { sockets } from '../../../testing/fake-realtime.ts'
import { anIncident, jsonResponse } from '../../../testing/incident-fixtures.ts'
import { formatDistance } from '../../../lib/format-distance.ts'
import { DispatchPanel } from './dispatch-panel.tsx'
import { IncidentsConsole } from './incidents-console.tsx'
import { alarmSoundsPlayed, forgetAlarmSounds } from '../../../testing/alarm-sounds.ts'

vi.mock('../../../lib/socket.ts', () => import('../../../testing/fake-realtime.ts'))

const candidates = [
  { id: 'r-near', name: '张护理', kind: 'care_worker', areaId: 'a1', areaName: '幸福里社区', phone: '*******1234', onDuty: true, busy: false, distanceM: 420 },
  { id: 'r-far', name: '李志愿', kind: 'volunteer', areaId: 'a2', areaName: '和平街道', phone: null, onDuty: true, busy: true, distanceM: 2350 }
]

function platform () {
  return stubPlatform(({ method, url, body }) => {
    if (method === 'POST') {
      if (url.endsWith('/dispatch') && body.responderId === undefined) return jsonResponse(409, { error: { code: 'PLT_ERR_NO_RESPONDER', message: 'no responder is on duty' } })
      return jsonResponse(200, anIncident({ id: 'inc-1', status: 'dispatched', responder: { id: body.responderId ?? 'r-near', name: '张护理', offerStatus: 'offered' }, updatedAt: new Date().toISOString() }))
    }
    if (url === '/api/incidents/inc-1/candidates') return jsonResponse(200, { items: candidates })
    return jsonResponse(200, { items: [] })
  })
}

describe('dispatch panel', () => {
  beforeEach(() => { sockets.length = 0 })

  it('lists the candidates with distance and status, and sends the one picked', async () => {
    const posts = platform()
    const done = vi.fn()
    render(<DispatchPanel incident={anIncident({ id: 'inc-1', status: 'acknowledged' })} onDone={done} />)
    const rows = await screen.findAllByTestId('dispatch-candidate')
    expect(rows.map((r) => r.dataset.responderId)).toEqual(['r-near', 'r-far'])
    expect(rows[0].textContent).toContain('420 m')
    expect(rows[0].textContent).toContain('在岗空闲')
    expect(rows[0].textContent).toContain('护理员')
    expect(rows[1].textContent).toContain('2.4 km')
    expect(rows[1].textContent).toContain('忙碌')
    fireEvent.click(within(rows[0]).getByTestId('dispatch-candidate-button'))
    await waitFor(() => { expect(done).toHaveBeenCalled() })
    expect(posts).toEqual([{ method: 'POST', url: '/api/incidents/inc-1/dispatch', body: { responderId: 'r-near' } }])
    expect(done.mock.calls[0][0]).toMatchObject({ status: 'dispatched' })
  })

  it("says why when nobody can be sent, in the operator's language", async () => {
    platform()
    render(<DispatchPanel incident={anIncident({ id: 'inc-1', status: 'acknowledged' })} onDone={() => {}} />)
    fireEvent.click(screen.getByTestId('dispatch-best'))
    expect((await screen.findByRole('alert')).textContent).toContain('PLT_ERR_NO_RESPONDER')
  })

  it('shows the responder on the way and offers "declined by phone" and "on scene"', async () => {
    const posts = platform()
    render(<DispatchPanel incident={anIncident({ id: 'inc-1', status: 'dispatched', responder: { id: 'r-near', name: '张护理', offerStatus: 'accepted' } })} onDone={() => {}} />)
    expect(screen.getByTestId('dispatch-current').textContent).toBe('当前响应人员：张护理（已接单）')
    fireEvent.click(screen.getByTestId('dispatch-arrive'))
    await waitFor(() => { expect(posts.map((p) => p.url)).toEqual(['/api/incidents/inc-1/arrive']) })
    expect(screen.getByTestId('dispatch-decline')).toBeTruthy()
  })

  it('formats distances for people', () => {
    expect(formatDistance(null, 'zh-CN')).toBe('—')
    expect(formatDistance(999, 'zh-CN')).toBe('999 m')
    expect(formatDistance(12_345, 'en')).toBe('12.3 km')
  })
})

describe('re-alerts from the response engine', () => {
  beforeEach(() => {
    sockets.length = 0
    forgetAlarmSounds()
  })

  it('sounds again when an update asks for it or an escalation step runs, not for a plain update', async () => {
    const incident: IncidentDto = anIncident({ id: 'inc-1', openedAt: new Date().toISOString() })
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, { items: [incident] })))
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await screen.findAllByTestId('incident-row')
    const later = (s: number) => new Date(Date.now() + s * 1000).toISOString()
    act(() => { sockets[0].serverEmit('incident:updated', { ...incident, alarmCount: 2, updatedAt: later(1) }) })
    expect(alarmSoundsPlayed()).toHaveLength(0)
    act(() => { sockets[0].serverEmit('incident:updated', { ...incident, alarmCount: 3, updatedAt: later(2), reAlert: 'repeat' }) })
    expect(alarmSoundsPlayed()).toHaveLength(1)
    act(() => { sockets[0].serverEmit('incident:escalated', { incident: { ...incident, alarmCount: 3, escalationLevel: 1, updatedAt: later(3) }, action: 'realert_area', step: 1, areaId: 'area-1' }) })
    expect(alarmSoundsPlayed()).toHaveLength(2)
    expect(screen.getByTestId('incident-row').textContent).toContain('×3')
  })
})
