import { act, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { startSession } from '../features/auth/session.ts'
import { FakeSocket } from '../testing/fake-socket.ts'
import { jsonResponse } from '../testing/incident-fixtures.ts'
import { App } from './app.tsx'
import { configureApp } from './configure-app.ts'

vi.mock('../lib/socket.ts', () => ({ connectRealtime: () => new FakeSocket() }))

const session = {
  token: 'tok-1',
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  user: { id: 'u1', username: 'operator1', role: 'operator' as const, areaId: 'a1' }
}

describe('app session', () => {
  beforeAll(() => { configureApp() })

  it('goes back to the login form, username kept, when the API answers 401', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { error: { code: 'PLT_ERR_UNAUTHORIZED', message: 'token revoked' } })))
    act(() => { startSession(session) })
    render(<App />)
    expect(await screen.findByText('登录已失效，请重新登录。')).toBeTruthy()
    expect((screen.getByLabelText('用户名') as HTMLInputElement).value).toBe('operator1')
  })

  it('returns to the login form when the token expires, even while idle', () => {
    vi.useFakeTimers()
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, { items: [] })))
    act(() => { startSession({ ...session, expiresAt: new Date(Date.now() + 2000).toISOString() }) })
    render(<App />)
    expect(screen.queryByLabelText('密码')).toBeNull()
    act(() => { vi.advanceTimersByTime(2000) })
    expect(screen.getByText('登录已失效，请重新登录。')).toBeTruthy()
  })

  it('logs out through the API and returns to the login form', async () => {
    const fetchMock = vi.fn(async (url: string) => url === '/api/incidents?status=active&limit=5000' ? jsonResponse(200, { items: [] }) : jsonResponse(204, null))
    vi.stubGlobal('fetch', fetchMock)
    act(() => { startSession(session) })
    render(<App />)
    expect(screen.getByTestId('sound-toggle').getAttribute('aria-pressed')).toBe('true')
    fireEvent.click(screen.getByTestId('logout-button'))
    await screen.findByLabelText('密码')
    expect(fetchMock).toHaveBeenCalledWith('/api/auth/logout', expect.objectContaining({ method: 'POST' }))
    expect(screen.queryByText('登录已失效，请重新登录。')).toBeNull()
  })

  it('switches to English and remembers it', async () => {
    vi.stubGlobal('fetch', vi.fn())
    render(<App />)
    fireEvent.click(screen.getByTestId('language-toggle'))
    await waitFor(() => { expect(document.documentElement.lang).toBe('en') })
    expect(screen.getByRole('heading', { name: 'Operator sign-in' })).toBeTruthy()
    expect(localStorage.getItem('eldercare.locale')).toBe('en')
  })

  it('remembers the mute choice', () => {
    vi.stubGlobal('fetch', vi.fn())
    render(<App />)
    const toggle = screen.getByTestId('sound-toggle')
    fireEvent.click(toggle)
    expect(toggle.getAttribute('aria-pressed')).toBe('false')
    expect(localStorage.getItem('eldercare.soundEnabled')).toBe('false')
  })
})
