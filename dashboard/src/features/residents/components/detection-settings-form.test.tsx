import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_DETECTION_SETTINGS } from '@eldercare/protocols'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { DetectionSettingsForm } from './detection-settings-form.tsx'

function platform () {
  const puts: unknown[] = []
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
    expect(url).toBe('/api/residents/r1/detection')
    if (init.method === 'PUT') {
      const body = JSON.parse(String(init.body))
      puts.push(body)
      return jsonResponse(200, { residentId: 'r1', overrides: body, effective: { ...DEFAULT_DETECTION_SETTINGS, ...body } })
    }
    return jsonResponse(200, { residentId: 'r1', overrides: {}, effective: DEFAULT_DETECTION_SETTINGS })
  }))
  return puts
}

describe('detection thresholds of a resident', () => {
  it('shows the thresholds in force and saves a changed one with its duration in ms', async () => {
    const puts = platform()
    render(<DetectionSettingsForm residentId='r1' />)
    const value = await screen.findByLabelText('心率过高（次/分） 阈值')
    expect((value as HTMLInputElement).value).toBe('120')
    expect((screen.getByLabelText('心率过高（次/分） 持续（分钟）') as HTMLInputElement).value).toBe('2')
    fireEvent.change(value, { target: { value: '110' } })
    fireEvent.change(screen.getByLabelText('血氧过低（%） 持续（分钟）'), { target: { value: '3' } })
    fireEvent.click(screen.getByTestId('detection-save'))
    expect(await screen.findByText('已保存，网关即刻按新阈值检测。')).toBeTruthy()
    expect(puts).toEqual([{
      hr_high: { enabled: true, value: 110, durationMs: 120_000 },
      hr_low: { enabled: true, value: 40, durationMs: 120_000 },
      spo2_low: { enabled: true, value: DEFAULT_DETECTION_SETTINGS.spo2_low.value, durationMs: 180_000 },
      temp_high: { ...DEFAULT_DETECTION_SETTINGS.temp_high }
    }])
  })

  it('refuses a threshold that is not a number, naming the rule, and sends nothing', async () => {
    const puts = platform()
    render(<DetectionSettingsForm residentId='r1' />)
    fireEvent.change(await screen.findByLabelText('体温过高（℃） 阈值'), { target: { value: '' } })
    fireEvent.click(screen.getByTestId('detection-save'))
    expect((await screen.findByRole('alert')).textContent).toContain('体温过高（℃）')
    expect(puts).toEqual([])
  })
})
