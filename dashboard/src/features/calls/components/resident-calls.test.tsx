import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { isCallListDto, type CallDto } from '@eldercare/protocols'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { announceCallsChanged } from '../lib/calls-changed.ts'
import { ResidentCalls } from './resident-calls.tsx'

const care: CallDto = {
  id: 'call-1', direction: 'outbound', status: 'ended', residentId: 'r1', deviceId: 'ic-1', incidentId: null, autoAnswer: true,
  startedBy: 'li.sg', answeredBy: null, startedAt: '2026-11-28T02:00:00.000Z', answeredAt: '2026-11-28T02:00:02.000Z', endedAt: '2026-11-28T02:03:02.000Z',
  durationS: 180, visitId: 'v-1',
  events: [
    { at: '2026-11-28T02:00:00.000Z', kind: 'ringing', by: 'li.sg' },
    { at: '2026-11-28T02:00:02.000Z', kind: 'answered', by: null, data: { answeredBy: 'auto' } },
    { at: '2026-11-28T02:01:00.000Z', kind: 'ice_restart', by: 'li.sg' },
    { at: '2026-11-28T02:03:02.000Z', kind: 'ended', by: 'li.sg', data: { reason: 'operator_hangup', durationS: 180 } }
  ]
}
const missed: CallDto = { ...care, id: 'call-2', direction: 'inbound', status: 'missed', autoAnswer: false, startedBy: null, answeredAt: null, endedAt: '2026-11-27T02:00:30.000Z', durationS: null, visitId: null, events: [] }

/** The platform's calls, faked at fetch: the list answers `body`; call settings are kept and each PUT recorded. */
function platform (body: unknown, settings: unknown = { autoAnswer: false }) {
  const puts: unknown[] = []
  let current = settings
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
    if (url === '/api/residents/r1/call-settings') {
      if (init.method === 'PUT') {
        current = JSON.parse(String(init.body))
        puts.push(current)
      }
      return jsonResponse(200, current)
    }
    expect(url).toBe('/api/residents/r1/calls?limit=20')
    return jsonResponse(200, body)
  }))
  return puts
}

describe('the resident\'s video calls', () => {
  it('lists each call: which way, how it ended and how long, who, network restarts, recorded as a visit', async () => {
    expect(isCallListDto({ items: [care, missed] })).toBe(true)
    platform({ items: [care, missed] })
    render(<ResidentCalls residentId='r1' />)
    const rows = await screen.findAllByTestId('resident-call')
    expect(rows).toHaveLength(2)
    const first = within(rows[0])
    expect(first.getByText(/关怀呼出/).textContent).toContain('自动接听')
    expect(rows[0].textContent).toContain('已结束 · 时长 180 秒')
    expect(rows[0].textContent).toContain('li.sg')
    expect(rows[0].textContent).toContain('网络重连 1 次')
    expect(rows[0].textContent).toContain('已记为视频探访')
    expect(rows[1].textContent).toContain('长者呼叫中心')
    expect(rows[1].getAttribute('data-status')).toBe('missed')
    expect(rows[1].textContent).toContain('未接')
  })

  it('auto-answer: shown to everyone who reads calls, changed only with call.settings', async () => {
    const puts = platform({ items: [] })
    const { unmount } = render(<ResidentCalls residentId='r1' />)
    const readOnly = await screen.findByTestId('auto-answer-toggle') as HTMLInputElement
    expect(readOnly.disabled).toBe(true)
    expect(readOnly.checked).toBe(false)
    unmount()
    render(<ResidentCalls residentId='r1' canSetAutoAnswer />)
    const toggle = await screen.findByLabelText('关怀通话自动接听') as HTMLInputElement
    expect(toggle.disabled).toBe(false)
    fireEvent.click(toggle)
    await vi.waitFor(() => { expect(screen.getByTestId('auto-answer').getAttribute('data-on')).toBe('true') })
    expect(puts).toEqual([{ autoAnswer: true }])
  })

  it('fetches again when a call on the screen ends or is recorded as a visit', async () => {
    platform({ items: [] })
    render(<ResidentCalls residentId='r1' />)
    expect(await screen.findByText('还没有视频通话。')).toBeTruthy()
    platform({ items: [care] })
    announceCallsChanged()
    expect((await screen.findAllByTestId('resident-call'))).toHaveLength(1)
  })

  it('says so when there are none, and refuses an answer that breaks CallListDto', async () => {
    platform({ items: [] })
    const { unmount } = render(<ResidentCalls residentId='r1' />)
    expect(await screen.findByText('还没有视频通话。')).toBeTruthy()
    unmount()
    platform({ items: [{ ...care, status: 'lost' }] })
    render(<ResidentCalls residentId='r1' />)
    expect((await screen.findByRole('alert')).textContent).not.toBe('')
    expect(screen.queryByTestId('resident-call')).toBeNull()
  })
})
