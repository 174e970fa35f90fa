import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { reportParams } from '../api/get-report.ts'
import { ReportsScreen } from './reports-screen.tsx'

const report = {
  area: { id: 'a1', name: '幸福里社区' },
  period: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-31T00:00:00.000Z' },
  incidents: {
    total: 40, alarms: 52, closed: 38, falseAlarms: 4, falseAlarmRate: 4 / 38,
    byType: [{ key: 'fall', incidents: 25, alarms: 30 }, { key: 'sos', incidents: 15, alarms: 22 }],
    byPriority: [{ key: 'P1', incidents: 40, alarms: 52 }], byOutcome: [{ key: 'handled_by_call', incidents: 30, alarms: 35 }],
    byArea: [{ areaId: 's1', name: '东城街道', incidents: 30, within60s: 0.9 }, { areaId: 's2', name: '西城街道', incidents: 10, within60s: 0.9 }],
    byDay: [{ date: '2026-01-02', incidents: 3, within60s: 1 }, { date: '2026-01-05', incidents: 37, within60s: 0.89 }]
  },
  acknowledge: {
    acknowledged: 40, p50Seconds: 21, p90Seconds: 75, p99Seconds: 190, within60s: 0.9, within180s: 0.995, targets: { within60s: 0.975, within180s: 0.99 },
    distribution: { le30s: 20, le60s: 16, le120s: 2, le180s: 1, le300s: 1, over300s: 0, unacknowledged: 0 }
  },
  onScene: { dispatched: 10, arrived: 9, p50Seconds: 1500, within45m: 0.8, within60m: 0.9 },
  slaBreaches: { acknowledge: 4, onScene: 1 },
  devices: { total: 100, online: 97, onlineShare: 0.97, lowBattery: 3, offlineOver24h: 1, residentsWithoutDataOver24h: 0 }
}

describe('reports screen', () => {
  it('asks for the period ending now, rounded up to the minute so nothing just opened is missed', () => {
    const p = reportParams({ areaId: 'a1', days: 7 }, Date.UTC(2026, 0, 8, 12, 30, 45))
    expect(Object.fromEntries(p)).toEqual({ from: '2026-01-01T12:31:00.000Z', to: '2026-01-08T12:31:00.000Z', areaId: 'a1' })
  })

  it('shows the shares against their targets in words, the breakdowns and the percentiles', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => url.startsWith('/api/reports/summary?') ? jsonResponse(200, report) : jsonResponse(200, { items: [] })))
    render(<ReportsScreen />)
    expect((await screen.findByTestId('reports-total')).textContent).toBe('40')
    expect(screen.getByTestId('reports-within60').textContent).toContain('90%')
    expect(screen.getByTestId('reports-within60').textContent).toContain('未达目标 97.5%')
    expect(screen.getByTestId('reports-within180').textContent).toContain('达到目标 99%')
    expect(screen.getByTestId('reports-by-type').textContent).toContain('跌倒25')
    expect(screen.getByText('1 分 15 秒')).toBeTruthy()
  })

  it('charts the time to acknowledge in buckets, incidents by area and the trend by day', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) => url.startsWith('/api/reports/summary?') ? jsonResponse(200, report) : jsonResponse(200, { items: [] })))
    render(<ReportsScreen />)
    const dist = await screen.findByTestId('reports-ack-distribution')
    const rows = [...dist.querySelectorAll('li')].map((li) => li.textContent)
    expect(rows).toEqual(['30 秒内20', '30–60 秒16', '1–2 分钟2', '2–3 分钟1', '3–5 分钟1', '超过 5 分钟0', '未接警0'])
    expect([...screen.getByTestId('reports-by-area').querySelectorAll('li')].map((li) => li.textContent)).toEqual(['东城街道30', '西城街道10'])
    expect([...screen.getByTestId('reports-by-day').querySelectorAll('li')].map((li) => li.textContent)).toEqual(['2026-01-023', '2026-01-0537'])
  })

  it('downloads the CSV with the token, for the same period', async () => {
    const urls: string[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      urls.push(url)
      if (url.startsWith('/api/reports/summary.csv?')) return new Response('section,metric,key,value\r\n', { status: 200, headers: { 'content-type': 'text/csv' } })
      return url.startsWith('/api/reports/summary?') ? jsonResponse(200, report) : jsonResponse(200, { items: [] })
    }))
    const created = vi.fn(() => 'blob:report')
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }))
    // jsdom cannot follow a download link; the click that starts it is what the browser needs.
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    render(<ReportsScreen />)
    await screen.findByTestId('reports-total')
    fireEvent.click(screen.getByTestId('reports-csv'))
    await waitFor(() => { expect(click).toHaveBeenCalled() })
    expect(created).toHaveBeenCalled()
    click.mockRestore()
    const json = urls.find((u) => u.startsWith('/api/reports/summary?'))!
    const csv = urls.find((u) => u.startsWith('/api/reports/summary.csv?'))!
    expect(csv.slice(csv.indexOf('?'))).toBe(json.slice(json.indexOf('?')))
  })
})
