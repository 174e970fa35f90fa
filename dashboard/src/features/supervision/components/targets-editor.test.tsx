import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { AREAS, NO_TARGETS } from '../../../testing/supervision-fixtures.ts'
import { TargetsEditor, targetValues } from './targets-editor.tsx'

const YEAR = new Date().getFullYear()

/** A platform with 卧龙区's targets set (REAL shares, as PostgreSQL answers them) and none below. */
function platform () {
  const stored = new Map<string, Record<string, unknown>>([['d1', { familyBeds: 10000, visitCoverage: 1, assessmentCoverage: 0.8999999761581421, ackWithin60s: 0.9750000238418579 }]])
  const gets: string[] = []
  const writes = stubPlatform(({ method, url, body }) => {
    const m = /^\/api\/areas\/([^/]+)\/targets\/(\d+)$/.exec(url)
    if (m === null) return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
    const [, id, year] = m
    if (method === 'PUT') { stored.set(id, body); return jsonResponse(200, { year: Number(year), ...body }) }
    gets.push(url)
    return jsonResponse(200, { year: Number(year), ...(stored.get(id) ?? NO_TARGETS) })
  })
  return { writes, gets }
}

describe('targets editor (issue 16)', () => {
  it('shows the chosen area and the areas directly below it for the year, shares in percent, unset ones in words', async () => {
    const { gets } = platform()
    render(<TargetsEditor areas={AREAS} canEdit={false} />)
    const rows = await screen.findAllByTestId('targets-row')
    expect(rows.map((r) => r.getAttribute('data-area'))).toEqual(['d1', 's1', 's2'])
    expect(rows[0].textContent).toBe('卧龙区10000100%90%97.5%')
    expect(rows[1].textContent).toContain('未设定')
    expect(gets).toEqual([`/api/areas/d1/targets/${YEAR}`, `/api/areas/s1/targets/${YEAR}`, `/api/areas/s2/targets/${YEAR}`])
    // A supervisor reads but cannot change (target.write is the administrator's): no edit button.
    expect(screen.queryByTestId('targets-edit')).toBeNull()
    expect(screen.getByText(/只读/)).toBeTruthy()

    fireEvent.change(screen.getByTestId('targets-area'), { target: { value: 's1' } })
    await waitFor(() => { expect(screen.getAllByTestId('targets-row').map((r) => r.getAttribute('data-area'))).toEqual(['s1', 'm1', 'm2']) })
    fireEvent.change(screen.getByTestId('targets-year'), { target: { value: String(YEAR + 1) } })
    await waitFor(() => { expect(gets).toContain(`/api/areas/m2/targets/${YEAR + 1}`) })
  })

  it('lets an administrator set a child area\'s targets: percent sent as shares, empty as no target, the row re-read', async () => {
    const { writes, gets } = platform()
    render(<TargetsEditor areas={AREAS} canEdit />)
    const street = (await screen.findAllByTestId('targets-row'))[1]
    fireEvent.click(within(street).getByTestId('targets-edit'))
    const editor = screen.getByTestId('targets-row-editor')
    fireEvent.change(within(editor).getByTestId('targets-input-familyBeds'), { target: { value: '1200' } })
    fireEvent.change(within(editor).getByTestId('targets-input-visitCoverage'), { target: { value: '100' } })
    fireEvent.change(within(editor).getByTestId('targets-input-ackWithin60s'), { target: { value: '97.5' } })
    const before = gets.length
    fireEvent.click(within(editor).getByTestId('targets-save'))
    await waitFor(() => { expect(writes).toHaveLength(1) })
    expect(writes[0]).toEqual({ method: 'PUT', url: `/api/areas/s1/targets/${YEAR}`, body: { familyBeds: 1200, visitCoverage: 1, assessmentCoverage: null, ackWithin60s: 0.975 } })
    await waitFor(() => { expect(screen.getAllByTestId('targets-row')[1].textContent).toBe('七一街道1200100%未设定97.5%修改') })
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
