import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { can, screensFor } from '../../../lib/permissions.ts'
import { startSession } from '../../auth/session.ts'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { monthRange, toDateTimeLocal, type Visit } from '../lib/visit.ts'
import { recordBody } from './record-visit-form.tsx'
import { VisitsScreen } from './visits-screen.tsx'

const { month, first, last } = monthRange(Date.now())

function aVisit (id: string, residentName: string, dueDate: string): Visit {
  return {
    id, residentId: `r-${id}`, residentName, areaId: 'c1', areaName: '幸福里社区', dueDate, status: 'planned',
    visitor: { userId: null, name: '李社工', phone: null }, visitedAt: null, outcome: null, notes: null, followUpNeeded: null, incidentId: null
  }
}

/** A platform holding planned visits: v1 overdue (also due this month), v2 due later this month, v0 overdue from last month. */
function platform (options: { recordAnswer?: () => Response } = {}) {
  const planned = new Map<string, Visit>([
    ['v0', aVisit('v0', '赵大爷', '2000-01-31')],
    ['v1', aVisit('v1', '王秀英', first)],
    ['v2', aVisit('v2', '陈桂兰', last)]
  ])
  const overdueIds = new Set(['v0', 'v1'])
  let visited = 4
  const gets: string[] = []
  const writes = stubPlatform(({ method, url, body }) => {
    if (method === 'GET') gets.push(url)
    if (method === 'POST' && url.startsWith('/api/visits/') && url.endsWith('/record')) {
      if (options.recordAnswer !== undefined) return options.recordAnswer()
      const id = decodeURIComponent(url.split('/')[3])
      const v = planned.get(id)!
      planned.delete(id)
      visited++
      const suggestedStatus = body.outcome === 'deceased' ? { status: 'deceased', statusSince: body.visitedAt } : null
      return jsonResponse(200, { ...v, status: 'done', visitedAt: body.visitedAt, outcome: body.outcome, notes: body.notes ?? null, followUpNeeded: body.followUpNeeded, incidentId: body.followUpNeeded ? 'inc-9' : null, suggestedStatus })
    }
    if (method === 'PUT' && url.endsWith('/status')) return jsonResponse(200, { status: body.status, statusSince: `${body.statusSince}T00:00:00.000Z`, recorded: true, history: [] })
    if (method === 'POST' && url === '/api/visits/plan-month') return jsonResponse(200, { month: body.month, areaId: 'a1', dueDate: last, created: 4 })
    if (url === '/api/visits/overdue') {
      const items = [...planned.values()].filter((v) => overdueIds.has(v.id))
      return jsonResponse(200, { today: first, items, byArea: [{ areaId: 'c1', name: '幸福里社区', overdue: items.length }] })
    }
    if (url.startsWith('/api/visits/coverage?')) {
      return jsonResponse(200, {
        month, areaId: 'a1', target: 1, total: { flagged: 10, visited, rate: visited / 10 },
        areas: [{ areaId: 'c1', name: '幸福里社区', level: 'community', flagged: 4, visited: 4, rate: 1 }, { areaId: 'c2', name: '和平社区', level: 'community', flagged: 6, visited: visited - 4, rate: (visited - 4) / 6 }]
      })
    }
    if (url.startsWith('/api/visits?')) return jsonResponse(200, { items: [...planned.values()].filter((v) => v.dueDate >= first && v.dueDate <= last) })
    return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no such thing' } })
  })
  return { writes, gets }
}

describe('visits screen', () => {
  it('lists overdue visits first, marked in words, each visit once, and asks for this month\'s planned visits', async () => {
    const { gets } = platform()
    render(<VisitsScreen canRecord canPlan={false} />)
    const overdue = await screen.findByTestId('visits-overdue')
    const overdueRows = within(overdue).getAllByTestId('visit-row')
    expect(overdueRows.map((r) => r.textContent)).toEqual([expect.stringContaining('赵大爷'), expect.stringContaining('王秀英')])
    for (const r of overdueRows) expect(within(r).getByTestId('visit-overdue').textContent).toContain('已逾期')
    const due = await screen.findByTestId('visits-due')
    // 王秀英 is due this month and overdue: shown once, in the overdue list.
    expect(within(due).getAllByTestId('visit-row').map((r) => r.textContent)).toEqual([expect.stringContaining('陈桂兰')])
    expect(within(due).queryByTestId('visit-overdue')).toBeNull()
    expect(gets).toContain(`/api/visits?status=planned&dueFrom=${first}&dueTo=${last}`)
    expect(gets).toContain(`/api/visits/coverage?month=${month}`)
  })

  it('links each resident to their card, where a worker on the round can place a care call (爱的眼睛)', async () => {
    platform()
    render(<VisitsScreen canRecord canPlan={false} />)
    const due = await screen.findByTestId('visits-due')
    const link = within(due).getByTestId('visit-resident-link')
    expect(link.textContent).toBe('陈桂兰')
    expect(link.getAttribute('href')).toBe('#/residents/r-v2')
    expect(link.getAttribute('title')).toBe('打开长者档案（可发起视频关怀通话）')
  })

  it('shows the month\'s coverage against the 100% target for the area and each child area', async () => {
    platform()
    render(<VisitsScreen canRecord canPlan={false} />)
    const total = await screen.findByTestId('visits-coverage-total')
    expect(total.textContent).toContain('全辖区：已探访 4 / 10 人')
    expect(total.textContent).toContain('40%')
    expect(total.textContent).toContain('未达目标 100%')
    expect(screen.getByTestId('visits-coverage-c1').textContent).toContain('达到目标 100%')
    expect(screen.getByTestId('visits-coverage-c2').textContent).toContain('和平社区：已探访 0 / 6 人')
  })

  it('records a visit with the right body, takes it off the list and links the follow-up incident', async () => {
    const { writes } = platform()
    render(<VisitsScreen canRecord canPlan={false} />)
    const overdue = await screen.findByTestId('visits-overdue')
    const row = within(overdue).getAllByTestId('visit-row').find((r) => r.textContent?.includes('王秀英'))!
    const before = Date.now()
    fireEvent.click(within(row).getByTestId('visit-record'))
    const at = screen.getByTestId('visit-visited-at') as HTMLInputElement
    // Defaults to now (to the minute, in local time).
    expect([toDateTimeLocal(before), toDateTimeLocal(Date.now())]).toContain(at.value)
    fireEvent.change(at, { target: { value: '2026-01-05T09:30' } })
    fireEvent.change(screen.getByTestId('visit-outcome'), { target: { value: 'needs_help' } })
    fireEvent.change(screen.getByTestId('visit-notes'), { target: { value: '  腿脚不便，需要送餐  ' } })
    fireEvent.click(screen.getByTestId('visit-follow-up'))
    fireEvent.click(screen.getByTestId('visit-save'))

    const confirmation = await screen.findByTestId('visit-recorded')
    expect(writes).toEqual([{
      method: 'POST', url: '/api/visits/v1/record',
      body: { visitedAt: new Date('2026-01-05T09:30').toISOString(), outcome: 'needs_help', notes: '腿脚不便，需要送餐', followUpNeeded: true }
    }])
    expect(confirmation.textContent).toContain('已登记 王秀英 的探访')
    const link = within(confirmation).getByTestId('visit-incident-link')
    expect(link.textContent).toContain('inc-9')
    expect(link.getAttribute('href')).toBe('#/queue/inc-9')
    expect(screen.queryByTestId('visit-form')).toBeNull()
    expect(within(screen.getByTestId('visits-overdue')).getAllByTestId('visit-row').map((r) => r.textContent)).toEqual([expect.stringContaining('赵大爷')])
    // Coverage is read again and counts the visit.
    await waitFor(() => { expect(screen.getByTestId('visits-coverage-total').textContent).toContain('已探访 5 / 10 人') })
  })

  it('a visit recorded as deceased offers the status change in a dialog; confirmed, it is sent once (issue 16)', async () => {
    act(() => { startSession({ token: 't', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1', username: 'op1', role: 'operator', areaId: 'a1' } }) })
    const { writes } = platform()
    render(<VisitsScreen canRecord canPlan={false} />)
    const overdue = await screen.findByTestId('visits-overdue')
    fireEvent.click(within(within(overdue).getAllByTestId('visit-row').find((r) => r.textContent?.includes('王秀英'))!).getByTestId('visit-record'))
    fireEvent.change(screen.getByTestId('visit-visited-at'), { target: { value: '2026-01-05T09:30' } })
    fireEvent.change(screen.getByTestId('visit-outcome'), { target: { value: 'deceased' } })
    fireEvent.click(screen.getByTestId('visit-save'))
    const dialog = await screen.findByTestId('status-confirm-dialog')
    expect(dialog.textContent).toContain('王秀英')
    expect(writes.map((w) => w.method)).toEqual(['POST'])
    expect((screen.getByTestId('status-confirm-date') as HTMLInputElement).value).toBe('2026-01-05')
    fireEvent.click(screen.getByTestId('status-confirm-yes'))
    await screen.findByTestId('status-confirm-done')
    expect(writes.slice(1)).toEqual([{ method: 'PUT', url: '/api/residents/r-v1/status', body: { status: 'deceased', statusSince: '2026-01-05', reason: '探访结果：已故' } }])
  })

  it('shows the platform\'s refusal inline and keeps the form', async () => {
    platform({ recordAnswer: () => jsonResponse(409, { error: { code: 'PLT_ERR_VISIT_NOT_PLANNED', message: 'this visit is done; only a planned visit can be recorded' } }) })
    render(<VisitsScreen canRecord canPlan={false} />)
    const due = await screen.findByTestId('visits-due')
    fireEvent.click(within(due).getByTestId('visit-record'))
    fireEvent.click(screen.getByTestId('visit-save'))
    const error = await screen.findByTestId('visit-form-error')
    expect(error.textContent).toContain('PLT_ERR_VISIT_NOT_PLANNED')
    expect(screen.getByTestId('visit-form')).toBeTruthy()
    expect(within(screen.getByTestId('visits-due')).getAllByTestId('visit-row')).toHaveLength(1)
  })

  it('shows a list that failed to load as an inline error and still shows the others', async () => {
    stubPlatform(({ url }) => url === '/api/visits/overdue'
      ? jsonResponse(500, { error: { code: 'PLT_ERR_INTERNAL', message: 'database unavailable' } })
      : url.startsWith('/api/visits?') ? jsonResponse(200, { items: [aVisit('v2', '陈桂兰', last)] }) : jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } }))
    render(<VisitsScreen canRecord canPlan={false} />)
    expect((await screen.findByTestId('visits-overdue-error')).textContent).toContain('PLT_ERR_INTERNAL')
    expect(within(await screen.findByTestId('visits-due')).getAllByTestId('visit-row')).toHaveLength(1)
    expect(await screen.findByTestId('visits-coverage-error')).toBeTruthy()
  })

  it('hides the plan button from operators; supervisors plan the month\'s round', async () => {
    platform()
    const { unmount } = render(<VisitsScreen canRecord canPlan={false} />)
    await screen.findByTestId('visits-overdue')
    expect(screen.queryByTestId('visits-plan')).toBeNull()
    unmount()

    const { writes } = platform()
    render(<VisitsScreen canRecord canPlan />)
    fireEvent.click(await screen.findByTestId('visits-plan'))
    expect((await screen.findByTestId('visits-planned')).textContent).toContain(`已为 ${month} 新增 4 条探访计划`)
    expect(writes).toEqual([{ method: 'POST', url: '/api/visits/plan-month', body: { month } }])
  })

  it('is read-only for auditors: no record buttons, no plan button', async () => {
    platform()
    render(<VisitsScreen canRecord={false} canPlan={false} />)
    await screen.findByTestId('visits-overdue')
    expect(screen.queryAllByTestId('visit-record')).toEqual([])
    expect(screen.queryByTestId('visits-plan')).toBeNull()
    expect(screen.getByTestId('visits-read-only')).toBeTruthy()
  })

  it('gives the screen to operators, supervisors, admins and auditors, never responders; planning to supervisors and admins', () => {
    for (const role of ['operator', 'supervisor', 'admin', 'auditor'] as const) expect(screensFor(role)).toContain('visits')
    expect(screensFor('responder')).not.toContain('visits')
    expect(['operator', 'supervisor', 'admin', 'auditor', 'responder'].filter((r) => can(r as 'admin', 'visit.record'))).toEqual(['operator', 'supervisor', 'admin'])
    expect(['operator', 'supervisor', 'admin', 'auditor', 'responder'].filter((r) => can(r as 'admin', 'visit.plan'))).toEqual(['supervisor', 'admin'])
  })

  it('sends the local date-time as an instant and leaves out empty notes and names', () => {
    expect(recordBody({ visitedAt: '2026-03-01T08:00', outcome: 'well', notes: '  ', followUpNeeded: false, visitorName: '' }))
      .toEqual({ visitedAt: new Date('2026-03-01T08:00').toISOString(), outcome: 'well', followUpNeeded: false })
  })
})
