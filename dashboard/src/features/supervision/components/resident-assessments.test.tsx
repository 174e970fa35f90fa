import { fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { Role } from '@eldercare/protocols'
import { endSession, startSession } from '../../auth/session.ts'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { ResidentAssessments } from './resident-assessments.tsx'

const as = (role: Role) => { startSession({ token: `tok-${role}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1', username: `${role}1`, role, areaId: 'd1' } }) }

function platform () {
  return stubPlatform(({ method, url }) => {
    if (method === 'POST' && url === '/api/residents/r1/condition-changes') return jsonResponse(201, { id: 'c1', at: '2026-06-01T10:00:00.000Z', reason: '中风后行动不便', markedBy: 'operator1' })
    return jsonResponse(200, { items: [], capacityLevel: null, capacityOverrideReason: null })
  })
}

describe('"condition changed" on the resident\'s assessments (issue 16)', () => {
  afterEach(() => { endSession('logout') })

  it('an operator marks it with a reason: posted, and said to bring the reassessment forward', async () => {
    as('operator')
    const writes = platform()
    render(<ResidentAssessments residentId='r1' canRecord={false} />)
    await screen.findByText('尚无能力评估记录。')
    const save = screen.getByTestId('condition-change-save')
    expect(save).toHaveProperty('disabled', true) // no reason yet
    fireEvent.change(screen.getByTestId('condition-change-reason'), { target: { value: ' 中风后行动不便 ' } })
    fireEvent.click(save)
    expect((await screen.findByTestId('condition-change-saved')).textContent).toContain('列入待复评名单')
    expect(writes).toEqual([{ method: 'POST', url: '/api/residents/r1/condition-changes', body: { reason: '中风后行动不便' } }])
  })

  it('is not offered to a role without condition.mark', async () => {
    as('auditor')
    platform()
    render(<ResidentAssessments residentId='r1' canRecord={false} />)
    await screen.findByText('尚无能力评估记录。')
    expect(screen.queryByTestId('condition-change-form')).toBeNull()
  })
})
