import { useId } from 'react'
import { linearScale, linePath, paddedExtent, type ChartPoint } from '../lib/chart-scale.ts'

export interface LineChartProps {
  /** Heading of the chart, also its accessible name. */
  title: string
  /** e.g. `次/分`, `%`, `mmHg` */
  unit: string
  points: readonly ChartPoint[]
  /** The time window shown, epoch ms. */
  from: number
  to: number
  /** A moment to mark (the alarm), epoch ms, with its label. */
  marker?: { t: number, label: string }
  /** Bucket size, epoch ms: a gap of more than two buckets breaks the line. */
  stepMs: number
  formatTime: (t: number) => string
  /** Says what the chart shows in words, for screen readers (latest value, range). */
  summary: string
  testId?: string
  /** What the quantity can be at all; the axis never extends beyond it. */
  limits?: readonly [number, number]
}

const W = 480
const H = 140
const PAD = { left: 40, right: 8, top: 8, bottom: 20 }

/** A small SVG line chart with a min–max band and an optional marked moment. No chart library. */
export function LineChart ({ title, unit, points, from, to, marker, stepMs, formatTime, summary, testId, limits }: LineChartProps) {
  const titleId = useId()
  const descId = useId()
  const extent = paddedExtent(points, limits)
  const x = linearScale(from, to, PAD.left, W - PAD.right)
  const [lo, hi] = extent ?? [0, 1]
  const y = linearScale(lo, hi, H - PAD.bottom, PAD.top)
  const band = points.filter((p) => p.low !== undefined && p.high !== undefined)
  const bandPath = band.length < 2
    ? ''
    : `${linePath(band.map((p) => ({ t: p.t, value: p.high! })), x, y, Infinity)}${[...band].reverse().map((p) => `L${x(p.t).toFixed(1)},${y(p.low!).toFixed(1)}`).join('')}Z`
  const markerX = marker !== undefined && marker.t >= from && marker.t <= to ? x(marker.t) : null

  return (
    <figure className='chart' data-testid={testId} data-points={points.length}>
      <figcaption id={titleId} className='chart__title'>{title} <span className='muted'>({unit})</span></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role='img' aria-labelledby={titleId} aria-describedby={descId} className='chart__svg'>
        <desc id={descId}>{summary}</desc>
        <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className='chart__axis' />
        {extent !== null && (
          <>
            <text x={PAD.left - 4} y={y(hi) + 10} textAnchor='end' className='chart__label'>{Math.round(hi)}</text>
            <text x={PAD.left - 4} y={y(lo)} textAnchor='end' className='chart__label'>{Math.round(lo)}</text>
          </>
        )}
        <text x={PAD.left} y={H - 4} className='chart__label'>{formatTime(from)}</text>
        <text x={W - PAD.right} y={H - 4} textAnchor='end' className='chart__label'>{formatTime(to)}</text>
        {bandPath !== '' && <path d={bandPath} className='chart__band' />}
        {points.length > 0 && <path d={linePath(points, x, y, stepMs * 2)} className='chart__line' fill='none' />}
        {markerX !== null && (
          <g className='chart__marker' data-testid={testId === undefined ? undefined : `${testId}-marker`}>
            <line x1={markerX} x2={markerX} y1={PAD.top} y2={H - PAD.bottom} />
            <text x={markerX + 3} y={PAD.top + 10}>{marker!.label}</text>
          </g>
        )}
      </svg>
    </figure>
  )
}
