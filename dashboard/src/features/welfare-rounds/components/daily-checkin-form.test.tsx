import { fireEvent, render, screen } from '@testing-library/react'
import { Value } from '@sinclair/typebox/value'
import { describe, expect, it, vi } from 'vitest'
import { DailyCheckinPlanInput, isDailyCheckinPlanDto, type DailyCheckinPlanDto } from '@eldercare/protocols'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { DailyCheckinForm } from './daily-checkin-form.tsx'

const PLAN: DailyCheckinPlanDto = {
  residentId: 'r1', windowStart: '07:00', windowEnd: '10:00', escalateAfterMin: 120, enabled: true, timeZone: 'Asia/Shanghai',
  updatedBy: 'sup', updatedAt: '2026-11-28T01:00:00.000Z',
  days: [
    { day: '2026-11-28', status: 'confirmed', confirmedAt: '2026-11-28T00:12:00.000Z', confirmedBy: 'checkin', visitId: null, incidentId: null, closedReason: null },
    { day: '2026-11-27', status: 'escalated', confirmedAt: null, confirmedBy: null, visitId: 'v1', incidentId: 'i1', closedReason: null }
  ]
}

/**
 * The platform's two calls, faked at fetch: GET answers `initial` (null: 404, no plan yet); each
 * PUT body must keep the DailyCheckinPlanInput schema and is answered as the platform would.
 */
function platform (initial: DailyCheckinPlanDto | null, answer?: (body: Record<string, unknown>) => unknown) {
  const puts: unknown[] = []
  let current = initial
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
    expect(url).toBe('/api/residents/r1/daily-checkin')
    if (init.method === 'PUT') {
      const body = JSON.parse(String(init.body))
      expect(Value.Check(DailyCheckinPlanInput, body)).toBe(true)
      puts.push(body)
      if (answer) return jsonResponse(200, answer(body))
      current = { ...PLAN, days: current?.days ?? [], ...body, updatedBy: 'admin', updatedAt: new Date().toISOString() }
      expect(isDailyCheckinPlanDto(current)).toBe(true)
      return jsonResponse(200, current)
    }
    return current === null ? jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'daily check-in plan not found' } }) : jsonResponse(200, current)
  }))
  return puts
}

describe('daily check-in (报平安) plan of a resident', () => {
  it('creates a plan from the morning default, saying what happens when nobody checks in', async () => {
    const puts = platform(null)
    render(<DailyCheckinForm residentId='r1' canEdit />)
    expect((await screen.findByTestId('checkin-state')).textContent).toContain('未开通每日报平安')
    expect((screen.getByLabelText('报平安开始时间') as HTMLInputElement).value).toBe('07:00')
    expect(screen.getByTestId('checkin-explain').textContent).toContain('到 10:00 仍无消息 → 为其社区生成当天的探访任务；再过 120 分钟仍未联系上 → 生成三级事件')
    expect(screen.queryByTestId('checkin-toggle')).toBeNull()
    fireEvent.click(screen.getByTestId('checkin-save'))
    expect((await screen.findByTestId('checkin-saved')).textContent).toBe('已开通每日报平安。')
    expect(puts).toEqual([{ windowStart: '07:00', windowEnd: '10:00', escalateAfterMin: 120, enabled: true }])
    expect(screen.getByTestId('checkin-state').textContent).toContain('已开通')
    expect(screen.getByTestId('checkin-form').getAttribute('data-state')).toBe('enabled')
  })

  it('edits the window and the escalation, then disables and enables the plan again', async () => {
    const puts = platform(PLAN)
    render(<DailyCheckinForm residentId='r1' canEdit />)
    const end = await screen.findByLabelText('截止时间')
    expect(screen.getByTestId('checkin-explain').textContent).toContain('（Asia/Shanghai）')
    expect(screen.getByTestId('checkin-days').querySelectorAll('tbody tr')).toHaveLength(2)
    expect(screen.getByText('未联系上，已生成事件')).toBeTruthy()
    fireEvent.change(end, { target: { value: '09:30' } })
    fireEvent.change(screen.getByLabelText('未联系上多久后生成事件（分钟）'), { target: { value: '60' } })
    fireEvent.click(screen.getByTestId('checkin-save'))
    expect((await screen.findByTestId('checkin-saved')).textContent).toBe('已保存。')
    fireEvent.click(screen.getByTestId('checkin-toggle'))
    expect((await screen.findByText('已停用每日报平安。'))).toBeTruthy()
    expect(screen.getByTestId('checkin-form').getAttribute('data-state')).toBe('disabled')
    expect(screen.getByTestId('checkin-toggle').textContent).toBe('重新启用')
    fireEvent.click(screen.getByTestId('checkin-toggle'))
    expect((await screen.findByText('已重新启用每日报平安。'))).toBeTruthy()
    expect(puts).toEqual([
      { windowStart: '07:00', windowEnd: '09:30', escalateAfterMin: 60, enabled: true },
      { windowStart: '07:00', windowEnd: '09:30', escalateAfterMin: 60, enabled: false },
      { windowStart: '07:00', windowEnd: '09:30', escalateAfterMin: 60, enabled: true }
    ])
  })

  it('refuses a window that ends before it starts and an escalation out of range, and sends nothing', async () => {
    const puts = platform(PLAN)
    render(<DailyCheckinForm residentId='r1' canEdit />)
    fireEvent.change(await screen.findByLabelText('截止时间'), { target: { value: '06:00' } })
    fireEvent.click(screen.getByTestId('checkin-save'))
    expect((await screen.findByRole('alert')).textContent).toBe('截止时间须晚于开始时间（同一天内）。')
    fireEvent.change(screen.getByLabelText('截止时间'), { target: { value: '10:00' } })
    fireEvent.change(screen.getByLabelText('未联系上多久后生成事件（分钟）'), { target: { value: '5' } })
    fireEvent.click(screen.getByTestId('checkin-save'))
    expect((await screen.findByRole('alert')).textContent).toContain('10 到 1440')
    expect(puts).toEqual([])
  })

  it('shows an answer that breaks the DTO contract as an error instead of taking it', async () => {
    platform(PLAN, (body) => ({ ...body, residentId: 'r1' })) // no timeZone, no days
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    render(<DailyCheckinForm residentId='r1' canEdit />)
    fireEvent.click(await screen.findByTestId('checkin-save'))
    expect((await screen.findByRole('alert')).textContent).not.toBe('')
    expect(screen.queryByTestId('checkin-saved')).toBeNull()
  })

  it('is read only without the checkin.plan capability', async () => {
    platform(PLAN)
    render(<DailyCheckinForm residentId='r1' canEdit={false} />)
    expect((await screen.findByLabelText('报平安开始时间') as HTMLInputElement).disabled).toBe(true)
    expect(screen.queryByTestId('checkin-save')).toBeNull()
    expect(screen.queryByTestId('checkin-toggle')).toBeNull()
  })
})
