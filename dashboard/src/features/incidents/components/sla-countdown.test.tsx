import type { IncidentDto } from '@eldercare/protocols'
import { act, render, screen } from '@testing-library/react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { setLocale } from '../../../lib/i18n/i18n.ts'
import { formatDuration } from '../lib/sla.ts'
import { SlaCountdown } from './sla-countdown.tsx'

const NOW = Date.parse('2025-01-01T08:00:00.000Z')
const due = (inMs: number): Pick<IncidentDto, 'status' | 'ackDueAt'> => ({ status: 'open', ackDueAt: new Date(NOW + inMs).toISOString() })

describe('SLA countdown formatting', () => {
  it('shows minutes and seconds as mm:ss', () => {
    expect(formatDuration(0)).toBe('00:00')
    expect(formatDuration(5_000)).toBe('00:05')
    expect(formatDuration(65_000)).toBe('01:05')
    expect(formatDuration(59 * 60_000 + 59_000)).toBe('59:59')
  })

  it('adds hours from an hour up (P4 deadlines are a day)', () => {
    expect(formatDuration(3_600_000)).toBe('1:00:00')
    expect(formatDuration(24 * 3_600_000)).toBe('24:00:00')
  })

  it('rounds time left up, so 00:00 never shows while time remains', () => {
    expect(formatDuration(59_001, 'up')).toBe('01:00')
    expect(formatDuration(1, 'up')).toBe('00:01')
  })
})

describe('SLA countdown', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(NOW)
  })

  it('counts down every second', () => {
    render(<SlaCountdown incident={due(60_000)} />)
    const countdown = screen.getByTestId('sla-countdown')
    expect(countdown.textContent).toContain('01:00')
    act(() => { vi.advanceTimersByTime(1000) })
    expect(countdown.textContent).toContain('00:59')
    act(() => { vi.advanceTimersByTime(14_000) })
    expect(countdown.textContent).toContain('00:45')
    expect(countdown.dataset.sla).toBe('running')
  })

  it('turns overdue with the words 超时 once the deadline passes, and keeps counting', () => {
    render(<SlaCountdown incident={due(3_000)} />)
    const countdown = screen.getByTestId('sla-countdown')
    expect(countdown.textContent).not.toContain('超时')
    act(() => { vi.advanceTimersByTime(3_000) })
    expect(countdown.dataset.sla).toBe('overdue')
    expect(countdown.className).toContain('sla--overdue')
    expect(countdown.textContent).toContain('超时')
    expect(countdown.textContent).toContain('+00:00')
    act(() => { vi.advanceTimersByTime(65_000) })
    expect(countdown.textContent).toContain('+01:05')
  })

  it('says "overdue" in English', () => {
    setLocale('en')
    render(<SlaCountdown incident={due(-10_000)} />)
    expect(screen.getByTestId('sla-countdown').textContent).toMatch(/overdue.*\+00:10/)
  })

  it('shows no clock once the incident is acknowledged', () => {
    render(<SlaCountdown incident={{ status: 'acknowledged', ackDueAt: new Date(NOW - 10_000).toISOString() }} />)
    const countdown = screen.getByTestId('sla-countdown')
    expect(countdown.dataset.sla).toBe('none')
    expect(countdown.textContent).not.toContain('超时')
  })
})
