import { DEFAULT_PRIORITY_POLICY, DEFAULT_SLA_POLICY } from '@eldercare/protocols'
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { PolicyAdmin, secondsToMs } from './policy-admin.tsx'
import { RespondersAdmin } from './responders-admin.tsx'

function platform () {
  return stubPlatform(({ method, url, body }) => {
    if (method !== 'GET') return jsonResponse(200, url.startsWith('/api/responders/') ? { id: 'r1', onDuty: body.onDuty } : body)
    if (url === '/api/policies/response') return jsonResponse(200, { priority: DEFAULT_PRIORITY_POLICY, sla: DEFAULT_SLA_POLICY, defaults: {} })
    if (url === '/api/responders') return jsonResponse(200, { items: [{ id: 'r1', name: '张护理', kind: 'care_worker', areaId: 'a1', areaName: '幸福里社区', phone: '*******1111', onDuty: true, busy: false }] })
    return jsonResponse(200, { items: [] })
  })
}

describe('response policy admin', () => {
  it('reads seconds within the platform bounds', () => {
    expect(secondsToMs('60')).toBe(60_000)
    expect(secondsToMs('0')).toBeNull()
    expect(secondsToMs('1.5')).toBeNull()
    expect(secondsToMs(String(8 * 24 * 3600))).toBeNull()
  })

  it('shows the deadlines in seconds and saves a change as the whole policy, without the defaults', async () => {
    const writes = platform()
    render(<PolicyAdmin />)
    const p1 = await screen.findByTestId('policy-P1') as HTMLInputElement
    expect(p1.value).toBe(String(DEFAULT_SLA_POLICY.ackDeadlineMs.P1 / 1000))
    fireEvent.change(p1, { target: { value: '90' } })
    fireEvent.click(screen.getByTestId('policy-form-submit'))
    await waitFor(() => { expect(writes).toHaveLength(1) })
    expect(writes[0].method).toBe('PUT')
    expect(Object.keys(writes[0].body).sort()).toEqual(['priority', 'sla'])
    expect(writes[0].body.sla.ackDeadlineMs.P1).toBe(90_000)
    expect(writes[0].body.sla.escalation).toEqual(DEFAULT_SLA_POLICY.escalation)
  })

  it('refuses a deadline that is not whole seconds, before sending', async () => {
    const writes = platform()
    render(<PolicyAdmin />)
    fireEvent.change(await screen.findByTestId('policy-onScene'), { target: { value: 'soon' } })
    fireEvent.click(screen.getByTestId('policy-form-submit'))
    expect((await screen.findByRole('alert')).textContent).toContain('整数秒')
    expect(writes).toEqual([])
  })
})

describe('responders admin', () => {
  it('lists responders and takes one off duty', async () => {
    const writes = platform()
    render(<RespondersAdmin />)
    const toggle = await screen.findByTestId('responder-on-duty') as HTMLInputElement
    expect(toggle.checked).toBe(true)
    expect(screen.getByTestId('responder-row').textContent).toContain('*** **** 1111')
    fireEvent.click(toggle)
    await waitFor(() => { expect(writes).toEqual([{ method: 'PATCH', url: '/api/responders/r1', body: { onDuty: false } }]) })
  })
})
