import type { IncidentDto } from '@eldercare/protocols'
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sockets } from '../../../testing/fake-realtime.ts'
import { anIncident, jsonResponse } from '../../../testing/incident-fixtures.ts'
import { filterQueue, NO_QUEUE_FILTER, queueAreas } from '../lib/queue.ts'
import { IncidentsConsole } from './incidents-console.tsx'
import { alarmSoundsPlayed, forgetAlarmSounds } from '../../../testing/alarm-sounds.ts'

vi.mock('../../../lib/socket.ts', () => import('../../../testing/fake-realtime.ts'))

const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString()
const active: IncidentDto[] = [
  anIncident({ id: 'p1-a', priority: 'P1', areaId: 'north', areaName: '北社区', openedAt: minutesAgo(3) }),
  anIncident({ id: 'p2-b', priority: 'P2', type: 'bed_exit', status: 'acknowledged', areaId: 'south', areaName: '南社区', openedAt: minutesAgo(2) }),
  anIncident({ id: 'p3-a', priority: 'P3', type: 'inactivity', areaId: 'north', areaName: '北社区', openedAt: minutesAgo(1) })
]
const rowIds = () => screen.queryAllByTestId('incident-row').map((r) => r.dataset.incidentId)

describe('queue filters', () => {
  beforeEach(() => {
    sockets.length = 0
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, { items: active })))
  })

  it('filters by priority, state and area as pure rules, keeping the order', () => {
    expect(filterQueue(active, NO_QUEUE_FILTER)).toBe(active)
    expect(filterQueue(active, { ...NO_QUEUE_FILTER, areaId: 'north' }).map((i) => i.id)).toEqual(['p1-a', 'p3-a'])
    expect(filterQueue(active, { ...NO_QUEUE_FILTER, status: 'acknowledged' }).map((i) => i.id)).toEqual(['p2-b'])
    expect(filterQueue(active, { ...NO_QUEUE_FILTER, priority: 'P3', areaId: 'south' })).toEqual([])
    expect(queueAreas(active)).toEqual([{ id: 'north', name: '北社区' }, { id: 'south', name: '南社区' }])
  })

  it('narrows the queue on screen, counts shown of total, and still sounds an alarm outside the filter', async () => {
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await waitFor(() => { expect(rowIds()).toEqual(['p1-a', 'p2-b', 'p3-a']) })
    fireEvent.change(screen.getByTestId('queue-filter-area'), { target: { value: 'south' } })
    expect(rowIds()).toEqual(['p2-b'])
    expect(screen.getByTestId('queue-count').textContent).toBe('1 / 3 条')
    fireEvent.change(screen.getByTestId('queue-filter-priority'), { target: { value: 'P1' } })
    expect(screen.getByTestId('queue-filtered-empty')).toBeTruthy()

    forgetAlarmSounds()
    act(() => { sockets[0].serverEmit('incident:opened', anIncident({ id: 'new', priority: 'P1', areaId: 'north', areaName: '北社区' })) })
    expect(alarmSoundsPlayed()).toHaveLength(1)
    expect(screen.getByTestId('queue-count').textContent).toBe('0 / 4 条')
    fireEvent.click(screen.getByTestId('queue-filter-clear'))
    expect(rowIds()).toHaveLength(4)
  })
})

describe('browser notification of a new alarm', () => {
  const shown: Array<{ title: string, options: NotificationOptions }> = []
  class FakeNotification {
    static permission: NotificationPermission = 'granted'
    static requestPermission = vi.fn(async () => 'granted' as NotificationPermission)
    onclick: (() => void) | null = null
    constructor (title: string, options: NotificationOptions) { shown.push({ title, options }) }
    close () {}
  }
  let hidden = false

  beforeEach(() => {
    sockets.length = 0
    shown.length = 0
    vi.stubGlobal('Notification', FakeNotification)
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, { items: [] })))
    vi.spyOn(document, 'hidden', 'get').mockImplementation(() => hidden)
  })
  afterEach(() => { vi.restoreAllMocks() })

  it('notifies while the tab is hidden, P1 staying until dismissed', async () => {
    hidden = true
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await screen.findByTestId('queue-empty')
    act(() => { sockets[0].serverEmit('incident:opened', anIncident({ id: 'fall-1', residentName: '李建国' })) })
    expect(shown).toHaveLength(1)
    expect(shown[0].options).toMatchObject({ tag: 'fall-1', requireInteraction: true })
    expect(shown[0].options.body).toContain('李建国')
  })

  it('does not notify while the console is in view (the sound and the row are enough)', async () => {
    hidden = false
    render(<IncidentsConsole getToken={() => 'tok'} />)
    await screen.findByTestId('queue-empty')
    act(() => { sockets[0].serverEmit('incident:opened', anIncident({ id: 'fall-2' })) })
    expect(shown).toHaveLength(0)
  })
})
