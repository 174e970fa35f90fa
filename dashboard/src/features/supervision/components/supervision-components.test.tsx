import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { ASSESSMENT_ITEMS } from '@eldercare/protocols'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { PopulationPanel } from './population-panel.tsx'
import { ResidentAssessments } from './resident-assessments.tsx'

const population = {
  area: { id: 'd1', name: '卧龙区' }, date: '2026-05-31', total: 5, current: 4,
  byStatus: { active: 3, in_hospital: 1, moved_out: 0, deceased: 1 },
  byGroup: { lives_alone: 2, empty_nest: 1, left_behind: 0, disabled: 2, severely_handicapped: 1, special_difficulty: 0, family_planning_special: 0 },
  byAgeBand: { '60-69': 1, '70-79': 1, '80-89': 1, '90+': 1, under60: 0, unknown: 0 },
  byCapacityLevel: { 0: 1, 1: 0, 2: 1, 3: 1, 4: 0, unassessed: 1 },
  familyBeds: { total: 1, byType: { nursing: 1, inclusive: 0, safety_net: 0 } },
  facilities: { home: 2, institution: 0, day_care: 0, service_station: 0, happiness_home: 1, meal_point: 1 },
  devices: { total: 2, residentsWithDevice: 2, perResident: 0.5 },
  assessments: { assessedCurrent: 1, due: 0, overdue: 3, coverage: 0.25 },
  targets: { year: 2026, familyBeds: 3, visitCoverage: 1, assessmentCoverage: 0.9, ackWithin60s: 0.975 }
}

describe('population panel', () => {
  it('shows the counts by group and status, and beds and assessment coverage against the targets', async () => {
    const urls: string[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string) => { urls.push(url); return jsonResponse(200, population) }))
    render(<PopulationPanel areaId='d1' date='2026-05-31' />)
    const groups = await screen.findByTestId('population-groups')
    expect(groups.textContent).toContain('失能2')
    expect(groups.textContent).toContain('重残1')
    expect(screen.getByTestId('population-status').textContent).toContain('住院1')
    expect(screen.getByTestId('population-beds').textContent).toContain('1 / 目标 3')
    expect(screen.getByTestId('population-assessment-coverage').textContent).toContain('未达目标 90%')
    expect(urls[0]).toBe('/api/reports/population?date=2026-05-31&areaId=d1')
  })
})

describe('resident assessments', () => {
  it('lists the history and records a new assessment with the level previewed', async () => {
    const posted: unknown[] = []
    const form = { standard: 'GB/T 42195-2022', maxTotal: 90, items: ASSESSMENT_ITEMS, indicators: [] }
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      if (url === '/api/assessment-form') return jsonResponse(200, form)
      if (init?.method === 'POST') { posted.push(JSON.parse(String(init.body))); return jsonResponse(201, { id: 'a2' }) }
      return jsonResponse(200, {
        capacityLevel: 2, capacityOverrideReason: null,
        items: [{ id: 'a1', assessedAt: '2026-06-14T09:00:00Z', assessor: { userId: 'u1', name: '李评估', certificateNo: null }, total: 70, preliminaryLevel: 1, level: 2, changes: ['repeated_care_risk_events'], careRiskEvents30d: 2, reassessmentDueAt: '2027-06-14T09:00:00Z' }]
      })
    }))
    render(<ResidentAssessments residentId='r1' canRecord />)
    const row = await screen.findByTestId('assessment-row')
    expect(row.textContent).toContain('总分 70')
    expect(row.textContent).toContain('按规则提高一级')
    fireEvent.click(screen.getByTestId('assessment-new'))
    await screen.findByTestId('assessment-form')
    for (const it of ASSESSMENT_ITEMS) fireEvent.change(screen.getByTestId(`score-${it.key}`), { target: { value: String(it.max) } })
    expect(screen.getByTestId('assessment-preview').textContent).toContain('总分 90，能力等级 0')
    fireEvent.submit(screen.getByTestId('assessment-form'))
    await waitFor(() => { expect(posted).toHaveLength(1) })
    expect((posted[0] as { scores: Record<string, number> }).scores.eating).toBe(4)
  })
})

describe('resident assessments opened from the due list', () => {
  it('opens the form at once on #/residents/<id>/assessment for those who record, and only for that resident', async () => {
    const form = { standard: 'GB/T 42195-2022', maxTotal: 90, items: ASSESSMENT_ITEMS, indicators: [] }
    vi.stubGlobal('fetch', vi.fn(async (url: string) => url === '/api/assessment-form' ? jsonResponse(200, form) : jsonResponse(200, { capacityLevel: null, capacityOverrideReason: null, items: [] })))
    window.location.hash = '#/residents/r1/assessment'
    try {
      const { unmount } = render(<ResidentAssessments residentId='r1' canRecord />)
      await screen.findByTestId('assessment-form')
      expect(document.activeElement).toBe(screen.getByTestId('resident-assessments'))
      unmount()
      render(<ResidentAssessments residentId='r1' canRecord={false} />)
      await screen.findByText('尚无能力评估记录。')
      expect(screen.queryByTestId('assessment-form')).toBeNull()
      cleanup()
      render(<ResidentAssessments residentId='r2' canRecord />)
      await screen.findByText('尚无能力评估记录。')
      expect(screen.queryByTestId('assessment-form')).toBeNull()
    } finally {
      window.location.hash = ''
    }
  })
})
