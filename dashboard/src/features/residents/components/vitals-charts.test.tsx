import { render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { VitalsCharts } from './vitals-charts.tsx'

const hour = 3600_000

describe('vitals charts', () => {
  it('asks for the last 24 h and charts each vital with readings, marking the alarm', async () => {
    const now = Date.now()
    const urls: string[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      urls.push(url)
      const from = now - 24 * hour
      return jsonResponse(200, {
        residentId: 'r1', from, to: now, stepMs: 600_000,
        series: {
          hr: [{ t: now - 2 * hour, mean: 72, min: 70, max: 75 }, { t: now - hour, mean: 118, min: 110, max: 124 }],
          spo2: []
        },
        latest: { hr: { value: 121, at: now - hour } }
      })
    }))
    render(<VitalsCharts residentId='r1' alarmAt={new Date(now - hour).toISOString()} />)
    const hr = await screen.findByTestId('vitals-hr')
    expect(hr.dataset.points).toBe('2')
    expect(screen.getByTestId('vitals-hr-marker').textContent).toBe('报警')
    // No readings, no chart: an empty frame would look like a flat line.
    expect(screen.queryByTestId('vitals-spo2')).toBeNull()
    expect(hr.textContent).toContain('心率')
    expect(hr.parentElement?.querySelector('.chart__summary')?.textContent).toBe('最新 121（' + new Intl.DateTimeFormat('zh-CN', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now - hour) + '），24 小时内 70–124')
    const q = new URL(urls[0], 'http://x').searchParams
    expect(urls[0].startsWith('/api/residents/r1/vitals?')).toBe(true)
    expect(Number(q.get('to')) - Number(q.get('from'))).toBe(24 * hour)
    expect(q.get('step')).toBe('10m')
  })

  it('says when there are no readings', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, { series: {}, latest: {} })))
    render(<VitalsCharts residentId='r1' />)
    await waitFor(() => { expect(screen.getByTestId('vitals-empty').textContent).toBe('近 24 小时没有生命体征数据。') })
  })
})
