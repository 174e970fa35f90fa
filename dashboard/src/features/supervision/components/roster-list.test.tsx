import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { AREAS } from '../../../testing/supervision-fixtures.ts'
import { RosterList, thisMonth } from './roster-list.tsx'

const MONTH = thisMonth()

/** Two disabled residents living alone in 幸福里社区: one with a family bed, visited and assessed; one neither. */
function roster (groups: string[]) {
  return {
    area: { id: 'd1', name: '卧龙区' }, month: MONTH, date: `${MONTH}-15`, groups, count: 2, withFamilyBed: 1, visited: 1,
    rules: { countingMethods: ['home'], disabledFromLevel: 2, fromAreaId: null },
    items: [
      { id: 'r1', name: '王秀英', areaId: 'm1', areaName: '幸福里社区', groups: ['lives_alone', 'disabled'], capacityLevel: 3, status: 'active',
        familyBed: { type: 'nursing', provider: '康乐护理站' }, visited: true, lastVisitAt: `${MONTH}-03T02:00:00.000Z`,
        lastAssessment: { id: 'a1', assessedAt: '2026-01-10T01:00:00.000Z', assessorName: '张评估', certificateNo: 'PG-1', level: 3 } },
      { id: 'r2', name: '李建国', areaId: 'm1', areaName: '幸福里社区', groups: ['lives_alone', 'disabled'], capacityLevel: 2, status: 'in_hospital',
        familyBed: null, visited: false, lastVisitAt: null, lastAssessment: null }
    ]
  }
}

describe('roster (issue 16: how many disabled elders live alone here, with a bed, visited, assessed by whom)', () => {
  it('asks for disabled + living alone in the caller\'s area this month by default and answers the question in words and rows', async () => {
    const gets: string[] = []
    stubPlatform(({ url }) => {
      gets.push(url)
      const groups = new URL(url, 'http://console').searchParams.get('groups')?.split(',') ?? []
      return jsonResponse(200, roster(groups))
    })
    render(<RosterList areas={AREAS} />)
    expect((await screen.findByTestId('roster-summary')).textContent)
      .toBe(`卧龙区（${MONTH}-15）：失能 + 独居 共 2 人，其中有家庭养老床位 1 人；本月已探访 1 人，未探访 1 人。`)
    expect(gets).toEqual([`/api/reports/roster?groups=disabled%2Clives_alone&month=${MONTH}`])
    const rows = screen.getAllByTestId('roster-row')
    expect(rows[0].textContent).toBe(`王秀英幸福里社区在家3 能力重度受损（重度失能）护理型 · 康乐护理站已探访（${MONTH}-03）2026-01-10 · 张评估 · 3 级`)
    expect(rows[1].textContent).toContain('住院')
    expect(within(rows[1]).getByText('未探访').tagName).toBe('STRONG')
    expect(rows[1].textContent).toContain('从未评估')
    expect(within(rows[0]).getByRole('link').getAttribute('href')).toBe('#/residents/r1/assessment')

    // another area and one group more: asked again with both
    fireEvent.change(screen.getByTestId('roster-area'), { target: { value: 's1' } })
    fireEvent.click(screen.getByTestId('roster-group-severely_handicapped'))
    await waitFor(() => { expect(gets).toContain(`/api/reports/roster?groups=lives_alone%2Cdisabled%2Cseverely_handicapped&month=${MONTH}&areaId=s1`) })
  })

  it('asks nothing while no group is ticked, and says why', async () => {
    const gets: string[] = []
    stubPlatform(({ url }) => { gets.push(url); return jsonResponse(200, roster(['disabled'])) })
    render(<RosterList areas={AREAS} />)
    await screen.findByTestId('roster-summary')
    fireEvent.click(screen.getByTestId('roster-group-disabled'))
    fireEvent.click(screen.getByTestId('roster-group-lives_alone'))
    expect(screen.getByTestId('roster-need-group').textContent).toContain('至少勾选一个')
    const before = gets.length
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(gets.length).toBe(before)
  })

  it('treats an answer that breaks the contract as a bad response', async () => {
    stubPlatform(() => jsonResponse(200, { area: { id: 'd1', name: '卧龙区' }, items: 'none' }))
    render(<RosterList areas={AREAS} />)
    expect((await screen.findByRole('alert')).textContent).toContain('操作失败')
    expect(screen.queryByTestId('roster-table')).toBeNull()
  })
})
