import type { Role } from '@eldercare/protocols'
import { act, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { App } from './app.tsx'
import { configureApp } from './configure-app.ts'
import { startSession } from '../features/auth/session.ts'
import { supervisionSectionsFor } from '../lib/permissions.ts'
import { FakeSocket } from '../testing/fake-socket.ts'
import { jsonResponse } from '../testing/incident-fixtures.ts'
import { AREAS, targetsTreeOf } from '../testing/supervision-fixtures.ts'

vi.mock('../lib/socket.ts', () => ({ connectRealtime: () => new FakeSocket() }))

function signIn (role: Role) {
  act(() => {
    startSession({ token: `tok-${role}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1', username: `${role}1`, role, areaId: 'd1' } })
  })
}

function platform () {
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    if (url === '/api/areas') return jsonResponse(200, { items: AREAS })
    if (url.startsWith('/api/targets?')) return jsonResponse(200, targetsTreeOf('d1', 2026))
    if (url.startsWith('/api/assessments/due')) return jsonResponse(200, { area: { id: 'd1', name: '卧龙区' }, overdue: 0, byArea: [], items: [] })
    return jsonResponse(200, { items: [] })
  }))
}

const tabs = () => screen.getAllByRole('link').filter((a) => a.getAttribute('data-testid')?.startsWith('supervision-tab-')).map((a) => a.getAttribute('data-testid'))

describe('supervision screen by role (capabilities decide what is shown)', () => {
  beforeAll(() => { configureApp() })
  afterEach(() => { window.location.hash = '' })

  it('gives each role the sections its capabilities read', () => {
    expect(supervisionSectionsFor('admin')).toEqual(['targets', 'rules', 'statements', 'due', 'roster'])
    expect(supervisionSectionsFor('supervisor')).toEqual(['targets', 'rules', 'statements', 'due', 'roster'])
    expect(supervisionSectionsFor('auditor')).toEqual(['targets', 'rules', 'statements', 'due', 'roster'])
    expect(supervisionSectionsFor('operator')).toEqual(['due', 'roster'])
    expect(supervisionSectionsFor('assessor')).toEqual(['due', 'roster'])
    expect(supervisionSectionsFor('responder')).toEqual([])
  })

  it('shows a supervisor every section and the targets read-only (target.write is the administrator\'s)', async () => {
    platform()
    signIn('supervisor')
    window.location.hash = '#/supervision/targets'
    render(<App />)
    await screen.findAllByTestId('targets-row')
    expect(screen.getByTestId('nav-supervision').getAttribute('aria-current')).toBe('page')
    expect(tabs()).toEqual(['supervision-tab-targets', 'supervision-tab-rules', 'supervision-tab-statements', 'supervision-tab-due', 'supervision-tab-roster'])
    expect(screen.queryByTestId('targets-edit')).toBeNull()
  })

  it('lets an administrator edit targets', async () => {
    platform()
    signIn('admin')
    window.location.hash = '#/supervision/targets'
    render(<App />)
    expect((await screen.findAllByTestId('targets-edit')).length).toBe(5) // 卧龙区 and its whole subtree
  })

  it('takes an operator asking for targets to the due list, the only section it has', async () => {
    platform()
    signIn('operator')
    window.location.hash = '#/supervision/targets'
    render(<App />)
    await screen.findByTestId('due-empty')
    expect(screen.getByTestId('supervision-screen').getAttribute('data-section')).toBe('due')
    expect(tabs()).toEqual(['supervision-tab-due', 'supervision-tab-roster'])
    expect(screen.queryByTestId('targets-editor')).toBeNull()
  })

  it('gives an assessor the due list beside the residents, and no queue', async () => {
    platform()
    signIn('assessor')
    window.location.hash = '#/supervision'
    render(<App />)
    await waitFor(() => { expect(screen.getByTestId('supervision-screen').getAttribute('data-section')).toBe('due') })
    expect(screen.getByTestId('nav-residents')).toBeTruthy()
    expect(screen.queryByTestId('nav-queue')).toBeNull()
  })
})
