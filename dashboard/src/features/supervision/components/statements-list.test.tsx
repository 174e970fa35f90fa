import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { AREAS } from '../../../testing/supervision-fixtures.ts'
import { lastMonth, StatementsList } from './statements-list.tsx'

interface Kept { id: string, areaId: string, month: string, version: number, generatedAt: string, generatedBy: string, reason: string | null }

/** The platform's statements: versions kept, a regeneration needs a reason (400 otherwise), files behind the token. */
function platform (kept: Kept[]) {
  const gets: string[] = []
  const writes = stubPlatform(({ method, url, body }) => {
    if (method === 'POST' && url === '/api/statements') {
      const prior = kept.filter((s) => s.areaId === body.areaId && s.month === body.month)
      if (prior.length > 0 && body.reason === undefined) return jsonResponse(400, { error: { code: 'PLT_ERR_VALIDATION', message: 'regenerating it needs a reason' } })
      const s = { id: `st${kept.length + 1}`, areaId: body.areaId, month: body.month, version: prior.length + 1, generatedAt: '2026-06-02T08:00:00.000Z', generatedBy: 'admin', reason: body.reason ?? null }
      kept.unshift(s)
      return jsonResponse(201, { ...s, content: {} })
    }
    gets.push(url)
    const file = /^\/api\/statements\/([^/]+)\/(csv|pdf)$/.exec(url)
    if (file !== null) return new Response(file[2] === 'pdf' ? '%PDF-1.7' : 'section,metric', { status: 200, headers: { 'content-type': file[2] === 'pdf' ? 'application/pdf' : 'text/csv' } })
    if (url.startsWith('/api/statements')) {
      const q = new URLSearchParams(url.split('?')[1] ?? '')
      const month = q.get('month')
      return jsonResponse(200, { items: kept.filter((s) => month === null || s.month === month).sort((a, b) => b.month.localeCompare(a.month) || b.version - a.version) })
    }
    return jsonResponse(404, { error: { code: 'PLT_ERR_NOT_FOUND', message: 'no' } })
  })
  return { writes, gets }
}

const KEPT: Kept[] = [
  { id: 'st1', areaId: 'd1', month: '2026-04', version: 1, generatedAt: '2026-05-01T00:10:00.000Z', generatedBy: 'system', reason: null },
  { id: 'st2', areaId: 'd1', month: '2026-05', version: 1, generatedAt: '2026-06-01T00:10:00.000Z', generatedBy: 'system', reason: null },
  { id: 'st3', areaId: 'd1', month: '2026-05', version: 2, generatedAt: '2026-06-03T09:00:00.000Z', generatedBy: 'admin', reason: '更正了探访记录' },
  { id: 'st4', areaId: 's1', month: '2026-05', version: 1, generatedAt: '2026-06-01T00:10:00.000Z', generatedBy: 'system', reason: null }
]

describe('monthly statements (issue 16)', () => {
  it('lists every kept version newest month first, filters by area and month, and shows no button a reader cannot use', async () => {
    const { gets } = platform(structuredClone(KEPT))
    render(<StatementsList areas={AREAS} canGenerate={false} />)
    const rows = await screen.findAllByTestId('statement-row')
    expect(rows.map((r) => `${r.getAttribute('data-month')} v${r.getAttribute('data-version')}`)).toEqual(['2026-05 v2', '2026-05 v1', '2026-05 v1', '2026-04 v1'])
    expect(rows[0].textContent).toContain('更正了探访记录')
    expect(rows[1].textContent).toContain('（已有新版本）')
    expect(rows[1].textContent).toContain('系统（每月 1 日自动）')
    expect(gets).toEqual(['/api/statements'])
    expect(screen.queryByTestId('statement-regenerate')).toBeNull()
    expect(screen.queryByTestId('statements-generate-form')).toBeNull()

    fireEvent.change(screen.getByTestId('statements-month'), { target: { value: '2026-04' } })
    await waitFor(() => { expect(screen.getAllByTestId('statement-row')).toHaveLength(1) })
    expect(gets).toContain('/api/statements?month=2026-04')
    fireEvent.change(screen.getByTestId('statements-area'), { target: { value: 's1' } })
    await waitFor(() => { expect(gets).toContain('/api/statements?areaId=s1&month=2026-04') })
  })

  it('opens a statement as PDF or CSV through the token-carrying client', async () => {
    const { gets } = platform(structuredClone(KEPT))
    const created = vi.fn((_: Blob) => 'blob:statement')
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }))
    const clicked: string[] = []
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) { clicked.push(this.download) })
    render(<StatementsList areas={AREAS} canGenerate={false} />)
    const top = (await screen.findAllByTestId('statement-row'))[0]
    fireEvent.click(within(top).getByTestId('statement-pdf'))
    await waitFor(() => { expect(clicked).toEqual(['statement-2026-05-v2.pdf']) })
    fireEvent.click(within(top).getByTestId('statement-csv'))
    await waitFor(() => { expect(clicked).toEqual(['statement-2026-05-v2.pdf', 'statement-2026-05-v2.csv']) })
    expect(gets.filter((u) => u.startsWith('/api/statements/st3/'))).toEqual(['/api/statements/st3/pdf', '/api/statements/st3/csv'])
    // the PDF's bytes as the platform sent them (size only: jsdom's Blob differs between Node versions)
    expect(created.mock.calls[0][0].size).toBe('%PDF-1.7'.length)
    click.mockRestore()
  })

  it('regenerates only through a confirmation that names the kept version and requires a reason', async () => {
    const kept = structuredClone(KEPT)
    const { writes } = platform(kept)
    render(<StatementsList areas={AREAS} canGenerate />)
    const rows = await screen.findAllByTestId('statement-row')
    // only the latest version of a month can be regenerated
    expect(rows.map((r) => within(r).queryByTestId('statement-regenerate') !== null)).toEqual([true, false, true, true])
    fireEvent.click(within(rows[0]).getByTestId('statement-regenerate'))
    const confirm = screen.getByTestId('statement-confirm')
    expect(confirm.textContent).toContain('“卧龙区” 2026-05 已有第 2 版报表。重新生成将新增第 3 版，第 2 版按已发布的内容保留')
    const button = within(confirm).getByTestId('statement-confirm-button') as HTMLButtonElement
    expect(button.disabled).toBe(true)
    fireEvent.change(within(confirm).getByTestId('statement-reason'), { target: { value: '补录' } })
    expect(button.disabled).toBe(true)
    expect(writes).toHaveLength(0)
    fireEvent.change(within(confirm).getByTestId('statement-reason'), { target: { value: '  补录 5 月底的两次上门探访  ' } })
    fireEvent.click(button)
    expect((await screen.findByTestId('statements-done')).textContent).toBe('已生成“卧龙区” 2026-05 第 3 版报表。')
    expect(writes).toEqual([{ method: 'POST', url: '/api/statements', body: { areaId: 'd1', month: '2026-05', reason: '补录 5 月底的两次上门探访' } }])
    await waitFor(() => { expect(screen.getAllByTestId('statement-row')[0].getAttribute('data-version')).toBe('3') })
    expect(screen.queryByTestId('statement-confirm')).toBeNull()
  })

  it('generates a month that has none after a plain confirmation, and cancelling sends nothing', async () => {
    const { writes } = platform([])
    render(<StatementsList areas={AREAS} canGenerate />)
    await screen.findByTestId('statements-empty')
    expect((screen.getByTestId('statements-generate-month') as HTMLInputElement).value).toBe(lastMonth())
    fireEvent.change(screen.getByTestId('statements-generate-area'), { target: { value: 'm1' } })
    fireEvent.change(screen.getByTestId('statements-generate-month'), { target: { value: '2026-03' } })
    fireEvent.submit(screen.getByTestId('statements-generate-form'))
    fireEvent.click(await screen.findByTestId('statement-cancel'))
    expect(writes).toHaveLength(0)
    fireEvent.change(screen.getByTestId('statements-generate-area'), { target: { value: 'm1' } })
    fireEvent.change(screen.getByTestId('statements-generate-month'), { target: { value: '2026-03' } })
    fireEvent.submit(screen.getByTestId('statements-generate-form'))
    expect((await screen.findByTestId('statement-confirm')).textContent).toContain('生成“幸福里社区” 2026-03 的月度报表？')
    expect(screen.queryByTestId('statement-reason')).toBeNull()
    fireEvent.click(screen.getByTestId('statement-confirm-button'))
    await screen.findByTestId('statements-done')
    expect(writes).toEqual([{ method: 'POST', url: '/api/statements', body: { areaId: 'm1', month: '2026-03' } }])
    expect((await screen.findAllByTestId('statement-row'))).toHaveLength(1)
  })

  it('asks the platform whether the month to generate has a statement, so a month off screen still needs a reason', async () => {
    const { writes, gets } = platform(structuredClone(KEPT))
    render(<StatementsList areas={AREAS} canGenerate />)
    fireEvent.change(screen.getByTestId('statements-month'), { target: { value: '2026-04' } })
    await waitFor(() => { expect(screen.getAllByTestId('statement-row')).toHaveLength(1) })
    fireEvent.change(screen.getByTestId('statements-generate-area'), { target: { value: 'd1' } })
    fireEvent.change(screen.getByTestId('statements-generate-month'), { target: { value: '2026-05' } })
    fireEvent.submit(screen.getByTestId('statements-generate-form'))
    expect((await screen.findByTestId('statement-confirm')).textContent).toContain('已有第 2 版报表。重新生成将新增第 3 版')
    expect(gets).toContain('/api/statements?areaId=d1&month=2026-05')
    expect((screen.getByTestId('statement-confirm-button') as HTMLButtonElement).disabled).toBe(true)
    expect(writes).toHaveLength(0)
  })

  it('drops (and logs) a listed statement that breaks the contract, keeping the others', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    platform([...structuredClone(KEPT), { id: 'bad', areaId: 'd1', month: 'May', version: 0, generatedAt: 'yesterday', generatedBy: 'x', reason: null }])
    render(<StatementsList areas={AREAS} canGenerate={false} />)
    expect(await screen.findAllByTestId('statement-row')).toHaveLength(4)
    expect(String(warn.mock.calls[0][0])).toContain('dropped a malformed statement (/month')
    warn.mockRestore()
  })

  it('names the previous calendar month, across a year', () => {
    expect(lastMonth(new Date(2026, 0, 15))).toBe('2025-12')
    expect(lastMonth(new Date(2026, 6, 31))).toBe('2026-06')
  })
})
