import type { Role } from '@eldercare/protocols'
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { startSession } from '../features/auth/session.ts'
import { FakeSocket } from '../testing/fake-socket.ts'
import { anIncident, anIncidentDetail, jsonResponse } from '../testing/incident-fixtures.ts'
import { aResident } from '../testing/registry-fixtures.ts'
import { App } from './app.tsx'
import { configureApp } from './configure-app.ts'

vi.mock('../lib/socket.ts', () => ({ connectRealtime: () => new FakeSocket() }))

function signIn (role: Role) {
  act(() => {
    startSession({ token: `tok-${role}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1', username: `${role}1`, role, areaId: 'a1' } })
  })
}

function platform () {
  const incident = anIncident({ id: 'inc-1', openedAt: new Date().toISOString() })
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    if (url.startsWith('/api/incidents?status=active')) return jsonResponse(200, { items: [incident] })
    if (url === '/api/incidents/inc-1') return jsonResponse(200, anIncidentDetail(incident))
    if (url === '/api/residents/res-1') return jsonResponse(200, aResident({ id: 'res-1', name: '张秀英', siteId: 'site-1', capacityLevel: 1 }))
    return jsonResponse(200, { items: [] })
  }))
}

describe('app navigation by role', () => {
  beforeAll(() => { configureApp() })
  afterEach(() => { window.location.hash = '' })

  it('shows an operator the queue, devices and residents, but no administration', async () => {
    platform()
    signIn('operator')
    render(<App />)
    await screen.findAllByTestId('incident-row')
    expect(screen.getByTestId('nav-queue').getAttribute('aria-current')).toBe('page')
    expect(screen.getByTestId('nav-devices')).toBeTruthy()
    expect(screen.getByTestId('nav-residents')).toBeTruthy()
    expect(screen.queryByTestId('nav-admin')).toBeNull()
    expect(screen.getByTestId('ack-button')).toBeTruthy()
  })

  it('keeps the queue mounted (alarms keep sounding) while another screen is shown', async () => {
    platform()
    signIn('operator')
    render(<App />)
    await screen.findAllByTestId('incident-row')
    act(() => { window.location.hash = '#/devices' })
    await screen.findByTestId('devices-screen')
    expect(screen.getByTestId('queue-screen').hidden).toBe(true)
    expect(screen.getAllByTestId('incident-row')).toHaveLength(1)
    expect(screen.getByTestId('nav-devices').getAttribute('aria-current')).toBe('page')
  })

  it('gives an administrator the admin screens', async () => {
    platform()
    signIn('admin')
    window.location.hash = '#/admin/sites'
    render(<App />)
    expect((await screen.findByTestId('admin-screen')).dataset.section).toBe('sites')
  })

  it('lets an auditor read the queue and the workspace but offers no action', async () => {
    platform()
    signIn('auditor')
    render(<App />)
    const [row] = await screen.findAllByTestId('incident-row')
    expect(screen.queryByTestId('ack-button')).toBeNull()
    fireEvent.click(row)
    await screen.findByTestId('resident-card')
    await waitFor(() => { expect(screen.getByTestId('detail-status')).toBeTruthy() })
    expect(screen.queryByTestId('incident-actions')).toBeNull()
    expect(screen.queryByTestId('detail-ack-button')).toBeNull()
  })
})
