import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { LineChart } from './line-chart.tsx'

const from = Date.UTC(2026, 0, 1, 0, 0)
const to = from + 24 * 3600_000
const points = Array.from({ length: 24 }, (_, h) => ({ t: from + h * 3600_000, value: 70 + h, low: 65 + h, high: 75 + h }))

describe('line chart', () => {
  it('draws the series with its band, names itself, and marks the alarm moment', () => {
    render(<LineChart title='心率' unit='次/分' points={points} from={from} to={to} stepMs={3600_000}
      marker={{ t: from + 12 * 3600_000, label: '报警' }} formatTime={(t) => new Date(t).toISOString().slice(11, 16)}
      summary='最新 93 次/分' testId='chart-hr'
    />)
    const figure = screen.getByTestId('chart-hr')
    expect(figure.dataset.points).toBe('24')
    expect(screen.getByRole('img', { name: /心率/ })).toBeTruthy()
    expect(figure.querySelector('desc')?.textContent).toBe('最新 93 次/分')
    expect(figure.querySelector('.chart__line')?.getAttribute('d')?.startsWith('M')).toBe(true)
    expect(figure.querySelector('.chart__band')).not.toBeNull()
    expect(screen.getByTestId('chart-hr-marker').textContent).toBe('报警')
  })

  it('leaves out a marker outside the window and draws no line without points', () => {
    render(<LineChart title='血氧' unit='%' points={[]} from={from} to={to} stepMs={60_000}
      marker={{ t: to + 1, label: '报警' }} formatTime={String} summary='无数据' testId='chart-spo2'
    />)
    expect(screen.queryByTestId('chart-spo2-marker')).toBeNull()
    expect(screen.getByTestId('chart-spo2').querySelector('.chart__line')).toBeNull()
  })
})
