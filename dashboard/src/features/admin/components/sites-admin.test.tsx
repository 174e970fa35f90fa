/** Issue 16: a home registered as a family care bed, and the plans' facility kinds, in the sites form and list. */
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { SitesAdmin } from './sites-admin.tsx'

function platform () {
  return stubPlatform(({ method, url, body }) => {
    if (method === 'POST' && url === '/api/sites') return jsonResponse(201, { id: 's-new', name: body.name })
    if (method === 'PATCH' && url.startsWith('/api/sites/')) return jsonResponse(200, { id: url.split('/')[3], familyBed: body.familyBed })
    if (url === '/api/areas') return jsonResponse(200, { items: [{ id: 'a1', name: '幸福里社区', level: 'community', parentId: null, depth: 0 }] })
    if (url === '/api/sites') {
      return jsonResponse(200, {
        items: [
          { id: 's1', name: '张家', kind: 'home', areaId: 'a1', address: null, familyBed: { type: 'nursing', provider: '康乐护理站', since: '2026-03-01', until: null } },
          { id: 's2', name: '幸福院一号', kind: 'happiness_home', areaId: 'a1', address: '幸福路 1 号', familyBed: null },
          { id: 's3', name: '助餐点', kind: 'meal_point', areaId: 'a1', address: null }
        ]
      })
    }
    return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
  })
}

describe('sites admin', () => {
  it('lists facility kinds by name and a home\'s family care bed', async () => {
    platform()
    render(<SitesAdmin />)
    const rows = await screen.findAllByTestId('site-row')
    await waitFor(() => { expect(rows[0]!.textContent).toContain('幸福里社区') })
    expect(rows.map((r) => r.textContent)).toEqual([
      '张家居家护理型 · 康乐护理站 · 自 2026-03-01幸福里社区—修改床位',
      '幸福院一号幸福院—幸福里社区幸福路 1 号',
      '助餐点老年助餐点—幸福里社区—'
    ])
  })

  it('registers a home as a family care bed with its type, provider and start date, refusing an incomplete one first', async () => {
    const writes = platform()
    render(<SitesAdmin />)
    await screen.findByRole('option', { name: '幸福里社区' })
    fireEvent.change(screen.getByTestId('site-name'), { target: { value: '李家' } })
    fireEvent.change(screen.getByTestId('site-area'), { target: { value: 'a1' } })
    fireEvent.click(screen.getByTestId('site-family-bed-on'))
    fireEvent.change(screen.getByTestId('site-bed-type'), { target: { value: 'safety_net' } })
    fireEvent.click(screen.getByTestId('site-form-submit'))
    expect((await screen.findByRole('alert')).textContent).toContain('床位类型、运营机构和建床日期')
    expect(writes).toEqual([])
    fireEvent.change(screen.getByTestId('site-bed-provider'), { target: { value: '康乐护理站' } })
    fireEvent.change(screen.getByTestId('site-bed-since'), { target: { value: '2026-07-01' } })
    fireEvent.click(screen.getByTestId('site-form-submit'))
    await waitFor(() => { expect(screen.getByTestId('site-form-done').textContent).toBe('已创建：李家') })
    expect(writes).toEqual([{ method: 'POST', url: '/api/sites', body: { name: '李家', kind: 'home', areaId: 'a1', familyBed: { type: 'safety_net', provider: '康乐护理站', since: '2026-07-01' } } }])
  })

  it('offers the family bed only for a home; a day-care centre is sent without one', async () => {
    const writes = platform()
    render(<SitesAdmin />)
    await screen.findByRole('option', { name: '幸福里社区' })
    fireEvent.change(screen.getByTestId('site-kind'), { target: { value: 'day_care' } })
    expect(screen.queryByTestId('site-family-bed')).toBeNull()
    fireEvent.change(screen.getByTestId('site-name'), { target: { value: '日照中心' } })
    fireEvent.change(screen.getByTestId('site-area'), { target: { value: 'a1' } })
    fireEvent.click(screen.getByTestId('site-form-submit'))
    await waitFor(() => { expect(writes).toHaveLength(1) })
    expect(writes[0]!.body).toEqual({ name: '日照中心', kind: 'day_care', areaId: 'a1' })
  })

  it('registers an existing home as a family care bed, changes it, and ends it (PATCH), offered on homes only', async () => {
    const writes = platform()
    render(<SitesAdmin />)
    const rows = await screen.findAllByTestId('site-row')
    expect(rows.map((r) => r.querySelector('[data-testid="site-bed-edit"]')?.textContent ?? null)).toEqual(['修改床位', null, null])
    fireEvent.click(screen.getByTestId('site-bed-edit'))
    expect((screen.getByTestId('site-edit-bed-provider') as HTMLInputElement).value).toBe('康乐护理站')
    fireEvent.change(screen.getByTestId('site-edit-bed-type'), { target: { value: 'inclusive' } })
    fireEvent.change(screen.getByTestId('site-edit-bed-provider'), { target: { value: '' } })
    fireEvent.click(screen.getByTestId('site-bed-save'))
    expect((await screen.findByRole('alert')).textContent).toContain('运营机构')
    expect(writes).toEqual([])
    fireEvent.change(screen.getByTestId('site-edit-bed-provider'), { target: { value: '颐养之家' } })
    fireEvent.click(screen.getByTestId('site-bed-save'))
    await waitFor(() => { expect(writes).toHaveLength(1) })
    expect(writes[0]).toEqual({ method: 'PATCH', url: '/api/sites/s1', body: { familyBed: { type: 'inclusive', provider: '颐养之家', since: '2026-03-01' } } })
    await waitFor(() => { expect(screen.queryByTestId('site-bed-form')).toBeNull() })
    fireEvent.click(screen.getByTestId('site-bed-edit'))
    fireEvent.click(screen.getByTestId('site-bed-end'))
    await waitFor(() => { expect(writes).toHaveLength(2) })
    expect(writes[1]).toEqual({ method: 'PATCH', url: '/api/sites/s1', body: { familyBed: null } })
  })
})
