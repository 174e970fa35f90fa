import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { setLocale } from '../../../lib/i18n/i18n.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { getToken } from '../session.ts'
import { LoginPage } from './login-page.tsx'

function submit (username: string, password: string) {
  fireEvent.change(screen.getByLabelText('用户名'), { target: { value: username } })
  fireEvent.change(screen.getByLabelText('密码'), { target: { value: password } })
  fireEvent.click(screen.getByRole('button', { name: '登录' }))
}

describe('login form', () => {
  it('says the username or password is wrong on 401, and stays signed out', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(401, { error: { code: 'PLT_ERR_INVALID_CREDENTIALS', message: 'invalid credentials' } }))
    vi.stubGlobal('fetch', fetchMock)
    render(<LoginPage />)
    submit('operator1', 'wrong')
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('用户名或密码错误')
    expect(getToken()).toBeNull()
    expect((screen.getByLabelText('用户名') as HTMLInputElement).value).toBe('operator1')
    expect((screen.getByLabelText('密码') as HTMLInputElement).value).toBe('')
    expect(fetchMock).toHaveBeenCalledWith('/api/auth/login', expect.objectContaining({
      method: 'POST',
      body: JSON.stringify({ username: 'operator1', password: 'wrong' })
    }))
  })

  it('says to wait on 429, with the Retry-After seconds', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(429, { error: { code: 'PLT_ERR_RATE_LIMITED', message: 'slow down' } }, { 'retry-after': '30' })))
    render(<LoginPage />)
    submit('operator1', 'x')
    expect((await screen.findByRole('alert')).textContent).toContain('请在 30 秒后重试')
  })

  it('says the server cannot be reached when the network fails', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    render(<LoginPage />)
    submit('operator1', 'x')
    expect((await screen.findByRole('alert')).textContent).toContain('无法连接服务器')
  })

  it('asks for both fields before calling the server', async () => {
    const fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
    render(<LoginPage />)
    fireEvent.click(screen.getByRole('button', { name: '登录' }))
    expect((await screen.findByRole('alert')).textContent).toContain('请输入用户名和密码')
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('shows the 401 message in English too', async () => {
    setLocale('en')
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { error: { code: 'PLT_ERR_INVALID_CREDENTIALS', message: 'no' } })))
    render(<LoginPage />)
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'a' } })
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'b' } })
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect((await screen.findByRole('alert')).textContent).toContain('Wrong username or password')
  })

  it('starts the session on success and runs the gesture hook (audio unlock)', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, {
      token: 'tok-1', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1', username: 'operator1', role: 'operator', areaId: 'a1' }
    })))
    const gesture = vi.fn()
    render(<LoginPage onSubmitGesture={gesture} />)
    submit('operator1', 'right')
    await waitFor(() => { expect(getToken()).toBe('tok-1') })
    expect(gesture).toHaveBeenCalledOnce()
  })
})
