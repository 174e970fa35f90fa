/**
 * Issue 16: an outcome of `deceased` offers to set the resident's status — a confirmation dialog,
 * never applied by itself; confirmed, it is sent once with the chosen date.
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { Role } from '@eldercare/protocols'
import { startSession } from '../../auth/session.ts'
import { stubPlatform, type FakeCall } from '../../../testing/fake-fetch.ts'
import { anIncident, jsonResponse } from '../../../testing/incident-fixtures.ts'
import { IncidentActions } from '../../incidents/components/incident-actions.tsx'
import { StatusConfirmDialog } from './status-confirm-dialog.tsx'

function signIn (role: Role) {
  act(() => { startSession({ token: 't', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1', username: 'op1', role, areaId: 'a1' } }) })
}

/** The platform: resolving as deceased answers the offer; PUT status answers recorded the first time only. */
function platform (): FakeCall[] {
  let recorded = 0
  return stubPlatform(({ method, url, body }) => {
    if (method === 'POST' && url === '/api/incidents/inc-9/resolve') {
      return jsonResponse(200, {
        ...anIncident({ id: 'inc-9', status: 'resolved', residentId: 'r1', residentName: '王秀英', outcome: body.outcome }),
        ...(body.outcome === 'deceased' ? { suggestedStatus: { residentId: 'r1', status: 'deceased', statusSince: '2026-06-15T03:00:00.000Z' } } : {})
      })
    }
    if (method === 'PUT' && url === '/api/residents/r1/status') {
      return jsonResponse(200, { status: body.status, statusSince: `${body.statusSince}T00:00:00.000Z`, recorded: recorded++ === 0, history: [] })
    }
    return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
  })
}

describe('deceased confirmation', () => {
  it('resolving an incident as deceased asks before setting the status, then sends it once with the date', async () => {
    signIn('operator')
    const writes = platform()
    const incident = anIncident({ id: 'inc-9', status: 'acknowledged', residentId: 'r1', residentName: '王秀英' })
    const { rerender } = render(<IncidentActions incident={incident} acknowledging={false} acknowledgeError={null} onAcknowledge={() => {}} onDone={(inc) => { rerender(<IncidentActions incident={inc} acknowledging={false} acknowledgeError={null} onAcknowledge={() => {}} onDone={() => {}} />) }} />)
    fireEvent.change(screen.getByTestId('resolve-outcome'), { target: { value: 'deceased' } })
    fireEvent.click(screen.getByTestId('resolve-submit'))
    const dialog = await screen.findByTestId('status-confirm-dialog')
    // asked, not applied: only the resolution went out
    expect(writes.map((w) => `${w.method} ${w.url}`)).toEqual(['POST /api/incidents/inc-9/resolve'])
    expect(dialog.textContent).toContain('是否将 王秀英 的状态设为「去世」')
    fireEvent.change(screen.getByTestId('status-confirm-date'), { target: { value: '2026-06-14' } })
    fireEvent.click(screen.getByTestId('status-confirm-yes'))
    expect((await screen.findByTestId('status-confirm-done')).textContent).toBe('已记录：去世（自 2026-06-14）。')
    expect(writes.slice(1)).toEqual([{ method: 'PUT', url: '/api/residents/r1/status', body: { status: 'deceased', statusSince: '2026-06-14', reason: '接警结果：已故' } }])
    fireEvent.click(screen.getByTestId('status-confirm-close'))
    await waitFor(() => { expect(screen.queryByTestId('status-confirm-dialog')).toBeNull() })
  })

  it('declining changes nothing; another outcome offers nothing', async () => {
    signIn('operator')
    const writes = platform()
    const incident = anIncident({ id: 'inc-9', status: 'acknowledged', residentId: 'r1', residentName: '王秀英' })
    render(<IncidentActions incident={incident} acknowledging={false} acknowledgeError={null} onAcknowledge={() => {}} onDone={() => {}} />)
    fireEvent.change(screen.getByTestId('resolve-outcome'), { target: { value: 'deceased' } })
    fireEvent.click(screen.getByTestId('resolve-submit'))
    fireEvent.click(await screen.findByTestId('status-confirm-no'))
    await waitFor(() => { expect(screen.queryByTestId('status-confirm-dialog')).toBeNull() })
    fireEvent.change(screen.getByTestId('resolve-outcome'), { target: { value: 'ambulance_called' } })
    fireEvent.click(screen.getByTestId('resolve-submit'))
    await waitFor(() => { expect(writes).toHaveLength(2) })
    expect(screen.queryByTestId('status-confirm-dialog')).toBeNull()
    expect(writes.every((w) => w.method === 'POST')).toBe(true)
  })

  it('says so when the platform had it already (the same status and date), and is not shown to a role that may not set it', async () => {
    signIn('operator')
    const writes = platform()
    const offer = { residentId: 'r1', residentName: '王秀英', status: 'deceased' as const, statusSince: '2026-06-15T03:00:00.000Z', reason: '探访结果：已故' }
    const { unmount } = render(<StatusConfirmDialog offer={offer} onClose={() => {}} />)
    fireEvent.click(screen.getByTestId('status-confirm-yes'))
    await screen.findByTestId('status-confirm-done')
    unmount()
    render(<StatusConfirmDialog offer={offer} onClose={() => {}} />)
    fireEvent.click(screen.getByTestId('status-confirm-yes'))
    expect((await screen.findByTestId('status-confirm-done')).textContent).toBe('已是「去世」，未重复记录。')
    expect(writes).toHaveLength(2)
    cleanup()
    signIn('auditor')
    render(<StatusConfirmDialog offer={offer} onClose={() => {}} />)
    expect(screen.queryByTestId('status-confirm-dialog')).toBeNull()
  })
})

