/**
 * The wall screen (issue 15, `#/wall`) live, with a fake socket playing the server: a new incident
 * appears without interaction; after a disconnect the screen says it is reconnecting, and on
 * reconnect everything is read again — incidents closed meanwhile leave, ones opened meanwhile
 * arrive, the figures are today's.
 */
import type { IncidentDto, WallDto } from '@eldercare/protocols'
import { act, render, screen, waitFor } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { stubPlatform, type FakeCall } from '../../../testing/fake-fetch.ts'
import { sockets } from '../../../testing/fake-realtime.ts'
import { anIncident, jsonResponse } from '../../../testing/incident-fixtures.ts'
import { WallScreen } from './wall-screen.tsx'

vi.mock('../../../lib/socket.ts', () => import('../../../testing/fake-realtime.ts'))

const figures = (over: Partial<WallDto> = {}): WallDto => ({
  at: '2026-11-29T06:00:00.000Z', alarmsToday: 1, open: 1, breachesToday: 0, ackWithin60sShare: null, devicesOnline: 3, devicesTotal: 4,
  visitCoverageMonth: 0.5, latest: [], places: [], sites: [], ...over
})

function platform (initial: { wall: WallDto, active: IncidentDto[] }) {
  const state = { ...initial }
  const reads: FakeCall[] = []
  stubPlatform((call) => {
    reads.push(call)
    if (call.url.includes('/api/wall')) return jsonResponse(200, state.wall)
    if (call.url.includes('/api/incidents')) return jsonResponse(200, { items: state.active })
    if (call.url.includes('/api/map')) return jsonResponse(200, { tiles: null, attribution: null, datum: 'wgs84' })
    return jsonResponse(404, { code: 'PLT_ERR_NOT_FOUND', message: 'not found' })
  })
  return { state, reads }
}

const shown = () => [...document.querySelectorAll('[data-testid="wall-incidents"] li')].map((li) => li.getAttribute('data-incident-id'))
const value = (key: string) => screen.getByTestId(`wall-${key}`).querySelector('.wall__value')?.textContent

describe('wall screen live over socket.io (issue 15)', () => {
  beforeEach(() => { sockets.length = 0 })

  it('shows a new incident without interaction, and after a disconnect reads everything again', async () => {
    const server = platform({ wall: figures(), active: [anIncident({ id: 'a', priority: 'P2' })] })
    render(<WallScreen getToken={() => 'tok'} />)
    await waitFor(() => { expect(shown()).toEqual(['a']) })
    expect(value('alarms')).toBe('1')
    expect(value('devices')).toBe('3 / 4')
    expect(value('coverage')).toBe('50%')

    act(() => { sockets[0]!.serverEmit('incident:opened', anIncident({ id: 'p1', priority: 'P1' })) })
    expect(shown()).toEqual(['a', 'p1'])
    expect(document.querySelector('[data-incident-id="p1"]')?.getAttribute('data-priority')).toBe('P1')

    act(() => { sockets[0]!.serverEmit('disconnect', 'transport close') })
    expect(screen.getByRole('status').textContent).toBe('正在重新连接…')

    // while away: a was resolved, b opened, and the day's figures moved on
    server.state.active = [anIncident({ id: 'p1', priority: 'P1' }), anIncident({ id: 'b', priority: 'P3' })]
    server.state.wall = figures({ alarmsToday: 3, open: 2, ackWithin60sShare: 1 / 3 })
    act(() => { sockets[0]!.serverEmit('connect') })
    await waitFor(() => { expect(shown()).toEqual(['p1', 'b']) })
    await waitFor(() => { expect(value('alarms')).toBe('3') })
    expect(value('ack60')).toBe('33%')
    expect(screen.queryByRole('status')).toBeNull()
  })
})
