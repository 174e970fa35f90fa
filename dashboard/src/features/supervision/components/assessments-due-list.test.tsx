import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { AREAS } from '../../../testing/supervision-fixtures.ts'
import { AssessmentsDueList, sortDue } from './assessments-due-list.tsx'

const ITEMS = [
  { residentId: 'r3', name: '赵大爷', areaId: 'm2', lastAssessedAt: null, level: null, dueAt: null, scheduledDueAt: null, conditionChange: null, overdue: true },
  { residentId: 'r1', name: '王秀英', areaId: 'm1', lastAssessedAt: '2025-05-10T04:00:00.000Z', level: 2, dueAt: '2026-05-10T04:00:00.000Z', scheduledDueAt: '2026-05-10T04:00:00.000Z', conditionChange: null, overdue: true },
  { residentId: 'r2', name: '陈桂兰', areaId: 'm1', lastAssessedAt: '2025-07-01T04:00:00.000Z', level: 4, dueAt: '2026-07-01T04:00:00.000Z', scheduledDueAt: '2026-07-01T04:00:00.000Z', conditionChange: null, overdue: false }
]

// Changes of condition since the last assessment: due now, with why (issue 16).
const CHANGED = [
  { residentId: 'r4', name: '孙奶奶', areaId: 'm1', lastAssessedAt: '2026-01-10T04:00:00.000Z', level: 1, dueAt: '2026-05-02T02:00:00.000Z', scheduledDueAt: '2027-01-10T04:00:00.000Z', conditionChange: { at: '2026-05-02T02:00:00.000Z', kind: 'marked', reason: '中风后行动不便' }, overdue: false },
  { residentId: 'r5', name: '周大爷', areaId: 'm1', lastAssessedAt: '2026-01-10T04:00:00.000Z', level: 1, dueAt: '2026-05-03T00:00:00.000Z', scheduledDueAt: '2027-01-10T04:00:00.000Z', conditionChange: { at: '2026-05-03T00:00:00.000Z', kind: 'back_from_hospital', reason: 'back from hospital on 2026-05-03' }, overdue: false },
  { residentId: 'r6', name: '吴奶奶', areaId: 'm1', lastAssessedAt: '2026-01-10T04:00:00.000Z', level: 1, dueAt: '2026-05-04T00:00:00.000Z', scheduledDueAt: '2027-01-10T04:00:00.000Z', conditionChange: { at: '2026-05-04T00:00:00.000Z', kind: 'repeated_care_risk_events', reason: '2 fall/wandering alarms within 30 days (latest 2026-05-04)' }, overdue: false }
]

function platform (items: unknown[] = ITEMS) {
  const gets: string[] = []
  stubPlatform(({ url }) => {
    gets.push(url)
    return jsonResponse(200, { area: { id: 'd1', name: '卧龙区' }, overdue: 2, byArea: [], items })
  })
  return gets
}

const names = () => screen.getAllByTestId('due-row').map((r) => within(r).getByRole('rowheader').textContent)

describe('reassessments due (issue 16)', () => {
  it('lists who is overdue, never assessed or due soon, in words, each linked to the resident\'s assessment form', async () => {
    const gets = platform()
    render(<AssessmentsDueList areas={AREAS} />)
    await screen.findByTestId('due-table')
    expect(gets).toEqual(['/api/assessments/due?withinDays=30'])
    expect(screen.getByTestId('due-summary').textContent).toBe('卧龙区：逾期或从未评估 2 人，即将到期 1 人')
    const rows = screen.getAllByTestId('due-row')
    expect(rows.map((r) => r.textContent)).toEqual([
      '赵大爷和平社区———从未评估打开评估表',
      '王秀英幸福里社区2025-05-102 能力中度受损（中度失能）2026-05-10已逾期打开评估表',
      '陈桂兰幸福里社区2025-07-014 能力完全丧失（完全失能）2026-07-01即将到期打开评估表'
    ])
    expect(within(rows[1]).getByTestId('due-open').getAttribute('href')).toBe('#/residents/r1/assessment')

    fireEvent.change(screen.getByTestId('due-window'), { target: { value: '90' } })
    fireEvent.change(screen.getByTestId('due-area'), { target: { value: 's1' } })
    await waitFor(() => { expect(gets).toContain('/api/assessments/due?withinDays=90&areaId=s1') })
  })

  it('shows a change of condition as due now, with why: the marker\'s reason, a return from hospital, repeated falls', async () => {
    platform(CHANGED)
    render(<AssessmentsDueList areas={AREAS} />)
    await screen.findByTestId('due-table')
    expect(screen.getAllByTestId('due-row').map((r) => r.textContent)).toEqual([
      '孙奶奶幸福里社区2026-01-101 能力轻度受损（轻度失能）2026-05-02需即时复评 · 情况变化：中风后行动不便打开评估表',
      '周大爷幸福里社区2026-01-101 能力轻度受损（轻度失能）2026-05-03需即时复评 · 情况变化：2026-05-03 出院返家打开评估表',
      '吴奶奶幸福里社区2026-01-101 能力轻度受损（轻度失能）2026-05-04需即时复评 · 情况变化：30 天内多次跌倒或走失（最近 2026-05-04）打开评估表'
    ])
  })

  it('sorts by any column, again to reverse, and says so to screen readers', async () => {
    platform()
    render(<AssessmentsDueList areas={AREAS} />)
    await screen.findByTestId('due-table')
    expect(names()).toEqual(['赵大爷', '王秀英', '陈桂兰'])
    fireEvent.click(screen.getByTestId('due-sort-level'))
    expect(names()).toEqual(['赵大爷', '王秀英', '陈桂兰'])
    fireEvent.click(screen.getByTestId('due-sort-level'))
    expect(names()).toEqual(['陈桂兰', '王秀英', '赵大爷'])
    expect(screen.getByTestId('due-sort-level').closest('th')?.getAttribute('aria-sort')).toBe('descending')
    expect(screen.getByTestId('due-sort-dueAt').closest('th')?.getAttribute('aria-sort')).toBe('none')
    fireEvent.click(screen.getByTestId('due-sort-area'))
    // 和平社区 before 幸福里社区 (pinyin order), then by name within a community
    expect(names()).toEqual(['赵大爷', '陈桂兰', '王秀英'])
    expect(screen.getByTestId('due-sort-area').closest('th')?.getAttribute('aria-sort')).toBe('ascending')
  })

  it('says when nobody is due, and drops a row that breaks the contract', async () => {
    platform([{ residentId: 'r9', name: '坏数据', areaId: 'm1', lastAssessedAt: null, level: 7, dueAt: null, scheduledDueAt: null, conditionChange: null, overdue: true }])
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    render(<AssessmentsDueList areas={AREAS} />)
    expect((await screen.findByTestId('due-empty')).textContent).toBe('没有需要复评的老人。')
    expect(String(warn.mock.calls[0][0])).toContain('dropped a malformed due assessment (/level')
    warn.mockRestore()
  })

  it('sorts never-assessed first by due date and breaks ties by name', () => {
    const area = (id: string) => AREAS.find((a) => a.id === id)?.name ?? id
    expect(sortDue(ITEMS, 'dueAt', true, area).map((i) => i.residentId)).toEqual(['r3', 'r1', 'r2'])
    expect(sortDue(ITEMS, 'dueAt', false, area).map((i) => i.residentId)).toEqual(['r2', 'r1', 'r3'])
    expect(sortDue(ITEMS, 'area', true, area).map((i) => i.residentId)).toEqual(['r3', 'r2', 'r1'])
  })
})
