import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../testing/incident-fixtures.ts'
import { ApiError, apiBlob, apiPostCsv, apiRequest, configureApiClient } from './api-client.ts'

/**
 * A Blob's text. Node 24's fetch builds its Blob from the global one, which jsdom replaces with its
 * own, older Blob that has no text(): read that one the way a browser of its age would.
 */
function blobText (b: Blob): Promise<string> {
  if (typeof b.text === 'function') return b.text()
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(String(r.result))
    r.onerror = () => reject(r.error)
    r.readAsText(b)
  })
}

function useToken (token: string | null) {
  const onUnauthorized = vi.fn()
  configureApiClient({ getToken: () => token, onUnauthorized })
  return onUnauthorized
}

describe('api client', () => {
  afterEach(() => { useToken(null) })

  it('sends the bearer token and JSON, and returns the parsed body', async () => {
    useToken('tok-9')
    const fetchMock = vi.fn(async () => jsonResponse(200, { ok: true }))
    vi.stubGlobal('fetch', fetchMock)
    await expect(apiRequest('/api/x', { method: 'POST', body: { a: 1 } })).resolves.toEqual({ ok: true })
    expect(fetchMock).toHaveBeenCalledWith('/api/x', expect.objectContaining({
      method: 'POST',
      body: '{"a":1}',
      headers: expect.objectContaining({ authorization: 'Bearer tok-9', 'content-type': 'application/json' })
    }))
  })

  it('sends {} for a POST without a body', async () => {
    useToken('t')
    const fetchMock = vi.fn(async () => jsonResponse(200, {}))
    vi.stubGlobal('fetch', fetchMock)
    await apiRequest('/api/incidents/1/acknowledge', { method: 'POST' })
    expect(fetchMock).toHaveBeenCalledWith('/api/incidents/1/acknowledge', expect.objectContaining({ body: '{}' }))
  })

  it('turns the platform error body into an ApiError with code and status', async () => {
    useToken('t')
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(409, { error: { code: 'PLT_ERR_INVALID_TRANSITION', message: 'already acknowledged' } })))
    const err = await apiRequest('/api/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'PLT_ERR_INVALID_TRANSITION', status: 409, message: 'already acknowledged' })
  })

  it('reports a network failure as status 0 with DASH_ERR_NETWORK', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    await expect(apiRequest('/api/x')).rejects.toMatchObject({ code: 'DASH_ERR_NETWORK', status: 0 })
  })

  it('ends the session on a 401 to a request that carried a token', async () => {
    const onUnauthorized = useToken('revoked')
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { error: { code: 'PLT_ERR_UNAUTHORIZED', message: 'no' } })))
    await expect(apiRequest('/api/incidents?status=active')).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledOnce()
  })

  it('does not treat a 401 without a token (wrong password at login) as an ended session', async () => {
    const onUnauthorized = useToken(null)
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { error: { code: 'PLT_ERR_INVALID_CREDENTIALS', message: 'no' } })))
    await expect(apiRequest('/api/auth/login', { method: 'POST', body: {} })).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('downloads and CSV uploads carry the token and end the session on a 401 like every request', async () => {
    const onUnauthorized = useToken('tok-3')
    const fetchMock = vi.fn(async () => new Response('a,b\n', { status: 200, headers: { 'content-type': 'text/csv' } }))
    vi.stubGlobal('fetch', fetchMock)
    expect(await blobText(await apiBlob('/api/reports/x.csv'))).toBe('a,b\n')
    expect(fetchMock).toHaveBeenLastCalledWith('/api/reports/x.csv', { headers: { authorization: 'Bearer tok-3' } })
    await expect(apiPostCsv('/api/import', 'a,b\n')).resolves.toEqual({ contentType: 'text/csv', text: 'a,b\n' })
    expect(fetchMock).toHaveBeenLastCalledWith('/api/import', { method: 'POST', headers: { 'content-type': 'text/csv', authorization: 'Bearer tok-3' }, body: 'a,b\n' })
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { error: { code: 'PLT_ERR_UNAUTHORIZED', message: 'no' } })))
    await expect(apiBlob('/api/reports/x.csv')).rejects.toMatchObject({ code: 'PLT_ERR_UNAUTHORIZED', status: 401 })
    await expect(apiPostCsv('/api/import', 'x')).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledTimes(2)
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    await expect(apiBlob('/api/reports/x.csv')).rejects.toMatchObject({ code: 'DASH_ERR_NETWORK', status: 0 })
    await expect(apiPostCsv('/api/import', 'x')).rejects.toMatchObject({ code: 'DASH_ERR_NETWORK', status: 0 })
  })
})
