import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { aResident } from '../../../testing/registry-fixtures.ts'
import { DevicesAdmin } from './devices-admin.tsx'
import { ResidentsAdmin } from './residents-admin.tsx'
import { UsersAdmin } from './users-admin.tsx'

function platform () {
  return stubPlatform(({ method, url, body }) => {
    if (method === 'POST') {
      if (url === '/api/devices') return jsonResponse(201, { id: 'd-new', secret: 's3cr3t-shown-once', type: body.type, siteId: body.siteId })
      if (url === '/api/residents') return jsonResponse(201, { id: 'r-new', name: body.name })
      if (url === '/api/users') return jsonResponse(409, { error: { code: 'PLT_ERR_USERNAME_TAKEN', message: 'the username op1 is taken' } })
    }
    if (url === '/api/sites') return jsonResponse(200, { items: [{ id: 's1', name: '幸福里 3 号楼', kind: 'home', areaId: 'a1', address: null, geo: null, rooms: [], familyBed: null }] })
    if (url === '/api/residents') return jsonResponse(200, { items: [aResident({ id: 'r1', name: '王秀英', siteId: 's1' })] })
    if (url === '/api/areas') return jsonResponse(200, { items: [{ id: 'a1', name: '幸福里社区', level: 'community', parentId: null, depth: 0 }] })
    if (url === '/api/users') {
      return jsonResponse(200, {
        items: [
          { id: 'u1', username: 'op-night', role: 'operator', areaId: 'a1', areaName: '幸福里社区', displayName: '夜班 李', disabled: false, createdAt: '2026-01-01T00:00:00.000Z' },
          { id: 'u2', username: 'sup-old', role: 'supervisor', areaId: 'a1', areaName: '幸福里社区', displayName: null, disabled: true, createdAt: '2026-01-01T00:00:00.000Z' }
        ]
      })
    }
    return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
  })
}

describe('admin forms', () => {
  it('registers a device and shows its secret once, with a warning', async () => {
    const posts = platform()
    render(<DevicesAdmin />)
    await screen.findByRole('option', { name: '幸福里 3 号楼' })
    fireEvent.change(screen.getByTestId('device-site'), { target: { value: 's1' } })
    fireEvent.change(await screen.findByTestId('device-resident'), { target: { value: 'r1' } })
    fireEvent.click(screen.getByTestId('device-form-submit'))
    expect((await screen.findByTestId('created-device-secret')).textContent).toBe('s3cr3t-shown-once')
    expect(screen.getByText(/只显示这一次/)).toBeTruthy()
    expect(posts).toEqual([{ method: 'POST', url: '/api/devices', body: { type: 'fall_detector', siteId: 's1', residentId: 'r1' } }])
    fireEvent.click(screen.getByTestId('close-secret'))
    expect(screen.queryByTestId('created-device-secret')).toBeNull()
  })

  it('refuses a device without a site before sending anything', async () => {
    const posts = platform()
    render(<DevicesAdmin />)
    fireEvent.click(screen.getByTestId('device-form-submit'))
    expect((await screen.findByRole('alert')).textContent).toBe('请填写所有必填项。')
    expect(posts).toEqual([])
  })

  it('names the contact line that cannot be read, and sends a good resident with lists parsed', async () => {
    const posts = platform()
    render(<ResidentsAdmin />)
    await screen.findByRole('option', { name: '幸福里 3 号楼' })
    fireEvent.change(screen.getByTestId('resident-name'), { target: { value: '李大爷' } })
    fireEvent.change(screen.getByTestId('resident-site'), { target: { value: 's1' } })
    fireEvent.change(screen.getByTestId('resident-contacts-input'), { target: { value: '李强, 13800001234, 儿子\n李梅' } })
    fireEvent.click(screen.getByTestId('resident-form-submit'))
    expect((await screen.findByRole('alert')).textContent).toContain('第 2 行')
    expect(posts).toEqual([])
    fireEvent.change(screen.getByTestId('resident-contacts-input'), { target: { value: '李强, 13800001234, 儿子' } })
    // each of the plans' groups is its own flag (issue 16); 失能 is not offered: the assessment decides it
    fireEvent.click(screen.getByTestId('resident-group-severely_handicapped'))
    fireEvent.click(screen.getByTestId('resident-group-lives_alone'))
    expect(screen.queryByTestId('resident-group-disabled')).toBeNull()
    fireEvent.click(screen.getByTestId('resident-form-submit'))
    await waitFor(() => { expect(screen.getByTestId('resident-form-done').textContent).toBe('已创建：李大爷') })
    expect(posts[0]).toEqual({ method: 'POST', url: '/api/residents', body: { name: '李大爷', siteId: 's1', flags: ['lives_alone', 'severely_handicapped'], conditions: [], contacts: [{ name: '李强', phone: '13800001234', relation: '儿子' }] } })
  })

  it('lists the accounts of the area with role, area and whether they are disabled', async () => {
    platform()
    render(<UsersAdmin />)
    const rows = await screen.findAllByTestId('user-row')
    expect(rows.map((r) => r.textContent)).toEqual(['op-night夜班 李值班员幸福里社区启用', 'sup-old—主管幸福里社区已停用'])
  })

  it("shows the platform's refusal of a taken username in the user's language", async () => {
    platform()
    render(<UsersAdmin />)
    await screen.findByRole('option', { name: /幸福里社区/ })
    fireEvent.change(screen.getByTestId('user-username'), { target: { value: 'op1' } })
    fireEvent.change(screen.getByTestId('user-password'), { target: { value: 'long-enough-1' } })
    fireEvent.change(screen.getByTestId('user-area'), { target: { value: 'a1' } })
    fireEvent.click(screen.getByTestId('user-form-submit'))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('操作未完成')
    expect(alert.textContent).toContain('PLT_ERR_USERNAME_TAKEN')
  })
})
