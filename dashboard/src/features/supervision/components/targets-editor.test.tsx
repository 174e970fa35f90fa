import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { AREAS, targetsTreeOf } from '../../../testing/supervision-fixtures.ts'
import { TargetsEditor, targetValues } from './targets-editor.tsx'

const YEAR = new Date().getFullYear()

/**
 * A platform with 卧龙区's targets set (REAL shares, as PostgreSQL answers them) and none below;
 * GET /api/targets answers the subtree of the area asked for in tree order, as the platform does.
 */
function platform () {
  const stored = new Map<string, Record<string, unknown>>([['d1', { familyBeds: 10000, visitCoverage: 1, assessmentCoverage: 0.8999999761581421, ackWithin60s: 0.9750000238418579 }]])
  const gets: string[] = []
  const writes = stubPlatform(({ method, url, body }) => {
    const put = /^\/api\/areas\/([^/]+)\/targets\/(\d+)$/.exec(url)
    if (method === 'PUT' && put !== null) { stored.set(put[1], body); return jsonResponse(200, { year: Number(put[2]), ...body }) }
    const u = new URL(url, 'http://console')
    if (method !== 'GET' || u.pathname !== '/api/targets') return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
    gets.push(url)
    const root = u.searchParams.get('areaId') ?? ''
    const year = Number(u.searchParams.get('year'))
    const tree = targetsTreeOf(root, year, stored)
    return tree === null ? jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'area' } }) : jsonResponse(200, tree)
  })
  return { writes, gets }
}

describe('targets editor (issue 16)', () => {
  it('shows the chosen area and its whole subtree as an indented tree for the year, in one request; shares in percent, unset ones in words', async () => {
    const { gets } = platform()
    render(<TargetsEditor areas={AREAS} canEdit={false} />)
    const rows = await screen.findAllByTestId('targets-row')
    expect(rows.map((r) => `${r.getAttribute('data-area')}:${r.getAttribute('data-depth')}`)).toEqual(['d1:0', 's1:1', 'm1:2', 'm2:2', 's2:1'])
    expect(rows[0].textContent).toBe('卧龙区 (区/县)10000100%90%97.5%')
    expect(rows[2].textContent).toBe('└ 幸福里社区 (社区/村)未设定未设定未设定未设定')
    // deeper rows sit further in
    const indent = (i: number) => parseFloat((rows[i].querySelector('th') as HTMLElement).style.paddingInlineStart)
    expect(indent(0)).toBeLessThan(indent(1))
    expect(indent(1)).toBeLessThan(indent(2))
    expect(indent(4)).toBe(indent(1))
    expect(gets).toEqual([`/api/targets?areaId=d1&year=${YEAR}&depth=subtree`])
    // A supervisor reads but cannot change (target.write is the administrator's): no edit button.
    expect(screen.queryByTestId('targets-edit')).toBeNull()
    expect(screen.getByText(/只读/)).toBeTruthy()

    fireEvent.change(screen.getByTestId('targets-area'), { target: { value: 's1' } })
    await waitFor(() => { expect(screen.getAllByTestId('targets-row').map((r) => `${r.getAttribute('data-area')}:${r.getAttribute('data-depth')}`)).toEqual(['s1:0', 'm1:1', 'm2:1']) })
    fireEvent.change(screen.getByTestId('targets-year'), { target: { value: String(YEAR + 1) } })
    await waitFor(() => { expect(gets).toContain(`/api/targets?areaId=s1&year=${YEAR + 1}&depth=subtree`) })
  })

  it('lets an administrator set a child area\'s targets: percent sent as shares, empty as no target, the row re-read', async () => {
    const { writes, gets } = platform()
    render(<TargetsEditor areas={AREAS} canEdit />)
    const street = (await screen.findAllByTestId('targets-row'))[1]
    expect(street.getAttribute('data-area')).toBe('s1')
    fireEvent.click(within(street).getByTestId('targets-edit'))
    const editor = screen.getByTestId('targets-row-editor')
    fireEvent.change(within(editor).getByTestId('targets-input-familyBeds'), { target: { value: '1200' } })
    fireEvent.change(within(editor).getByTestId('targets-input-visitCoverage'), { target: { value: '100' } })
    fireEvent.change(within(editor).getByTestId('targets-input-ackWithin60s'), { target: { value: '97.5' } })
    const before = gets.length
    fireEvent.click(within(editor).getByTestId('targets-save'))
    await waitFor(() => { expect(writes).toHaveLength(1) })
    expect(writes[0]).toEqual({ method: 'PUT', url: `/api/areas/s1/targets/${YEAR}`, body: { familyBeds: 1200, visitCoverage: 1, assessmentCoverage: null, ackWithin60s: 0.975 } })
    await waitFor(() => { expect(screen.getAllByTestId('targets-row')[1].textContent).toBe('└ 七一街道 (街道/乡镇)1200100%未设定97.5%修改') })
    expect(gets.length).toBeGreaterThan(before)
  })

  it('refuses numbers out of range in the console, naming the rule, and sends nothing', async () => {
    const { writes } = platform()
    render(<TargetsEditor areas={AREAS} canEdit />)
    fireEvent.click((await screen.findAllByTestId('targets-edit'))[0])
    fireEvent.change(screen.getByTestId('targets-input-visitCoverage'), { target: { value: '120' } })
    fireEvent.change(screen.getByTestId('targets-input-familyBeds'), { target: { value: '2.5' } })
    fireEvent.click(screen.getByTestId('targets-save'))
    expect((await screen.findByTestId('targets-invalid')).textContent).toContain('0 到 100')
    expect(screen.getByTestId('targets-input-visitCoverage').getAttribute('aria-invalid')).toBe('true')
    expect(writes).toHaveLength(0)
  })

  it('turns the form into the API body', () => {
    expect(targetValues({ familyBeds: ' ', visitCoverage: '0', assessmentCoverage: '33.3', ackWithin60s: '' })).toEqual({ values: { familyBeds: null, visitCoverage: 0, assessmentCoverage: 0.333, ackWithin60s: null } })
    expect(targetValues({ familyBeds: '-1', visitCoverage: 'abc', assessmentCoverage: '', ackWithin60s: '' })).toEqual({ bad: ['familyBeds', 'visitCoverage'] })
  })
})
