import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { setLocale } from '../../../lib/i18n/i18n.ts'
import { stubPlatform } from '../../../testing/fake-fetch.ts'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { AREAS } from '../../../testing/supervision-fixtures.ts'
import { VisitRulesEditor } from './visit-rules-editor.tsx'

const DEFAULTS = { eligibleGroups: ['lives_alone', 'empty_nest', 'left_behind', 'disabled', 'severely_handicapped', 'special_difficulty'], countingMethods: ['home', 'phone', 'video_call'], disabledFromLevel: 2, homeVisitEachQuarter: false }

/** The platform's inheritance: an area's own rule, else the nearest ancestor's, else the defaults (fromAreaId null). */
function platform (own: Record<string, typeof DEFAULTS>) {
  const parent = new Map(AREAS.map((a) => [a.id, a.parentId]))
  const writes = stubPlatform(({ method, url, body }) => {
    const id = decodeURIComponent(url.split('/')[3])
    if (method === 'PUT') own[id] = body
    if (method === 'DELETE') delete own[id]
    for (let at: string | null | undefined = id; at != null; at = parent.get(at)) {
      if (own[at] !== undefined) return jsonResponse(200, { ...own[at], fromAreaId: at })
    }
    return jsonResponse(200, { ...DEFAULTS, fromAreaId: null })
  })
  return writes
}

describe('visit rules editor (issue 16)', () => {
  it('says where the rule in force comes from: defaults, inherited from a named area, or the area\'s own', async () => {
    platform({ s1: { eligibleGroups: ['lives_alone', 'disabled'], countingMethods: ['phone'], disabledFromLevel: 3, homeVisitEachQuarter: true } })
    render(<VisitRulesEditor areas={AREAS} canEdit={false} />)
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toContain('系统默认规则') })
    expect(screen.getByTestId('rules-groups').textContent).toBe('独居、空巢、留守、失能、重残、特困/低保')
    expect(screen.getByTestId('rules-home-quarterly').textContent).toBe('不要求')

    fireEvent.change(screen.getByTestId('rules-area'), { target: { value: 'm1' } })
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toBe('沿用上级“七一街道”的规则') })
    expect(screen.getByTestId('rules-effective').getAttribute('data-source')).toBe('inherited')
    expect(screen.getByTestId('rules-groups').textContent).toBe('独居、失能')
    expect(screen.getByTestId('rules-methods').textContent).toBe('电话探访')
    // the quarterly home-visit requirement is inherited with the rest
    expect(screen.getByTestId('rules-home-quarterly').textContent).toBe('要求')
    expect(screen.getByTestId('rules-effective').textContent).toContain('3 能力重度受损（重度失能）')

    fireEvent.change(screen.getByTestId('rules-area'), { target: { value: 's1' } })
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toBe('本区域自行设定') })
    // Without target.write there is nothing to change.
    expect(screen.queryByTestId('rules-form')).toBeNull()
  })

  it('lets an administrator give an area its own rule, which then shows as its own', async () => {
    const writes = platform({})
    render(<VisitRulesEditor areas={AREAS} canEdit />)
    fireEvent.change(screen.getByTestId('rules-area'), { target: { value: 'm2' } })
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toContain('系统默认规则') })
    fireEvent.click(screen.getByTestId('rules-group-family_planning_special'))
    fireEvent.click(screen.getByTestId('rules-group-lives_alone'))
    // off and on again: ticked last, still sent in its place
    fireEvent.click(screen.getByTestId('rules-group-empty_nest'))
    fireEvent.click(screen.getByTestId('rules-group-empty_nest'))
    fireEvent.click(screen.getByTestId('rules-method-phone'))
    fireEvent.click(screen.getByTestId('rules-method-video_call'))
    fireEvent.change(screen.getByTestId('rules-disabled-from'), { target: { value: '3' } })
    fireEvent.click(screen.getByTestId('rules-home-quarterly-switch'))
    fireEvent.click(screen.getByTestId('rules-save'))
    await screen.findByTestId('rules-saved')
    expect(writes).toEqual([{
      method: 'PUT',
      url: '/api/areas/m2/visit-rules',
      // in the vocabulary's order, whatever order the boxes were ticked in
      body: { eligibleGroups: ['empty_nest', 'left_behind', 'disabled', 'severely_handicapped', 'special_difficulty', 'family_planning_special'], countingMethods: ['home'], disabledFromLevel: 3, homeVisitEachQuarter: true }
    }])
    expect(screen.getByTestId('rules-source').textContent).toBe('本区域自行设定')
    expect(screen.getByTestId('rules-methods').textContent).toBe('上门探访')
    expect(screen.getByTestId('rules-home-quarterly').textContent).toBe('要求')
  })

  it('lets an administrator remove an area\'s own rule after a confirmation: the area inherits again, the form follows', async () => {
    const writes = platform({
      s1: { eligibleGroups: ['lives_alone', 'disabled'], countingMethods: ['home'], disabledFromLevel: 3, homeVisitEachQuarter: false },
      m1: { eligibleGroups: ['empty_nest'], countingMethods: ['phone'], disabledFromLevel: 2, homeVisitEachQuarter: false }
    })
    render(<VisitRulesEditor areas={AREAS} canEdit />)
    // 卧龙区 uses the defaults: nothing of its own to remove.
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toContain('系统默认规则') })
    expect(screen.queryByTestId('rules-inherit')).toBeNull()
    fireEvent.change(screen.getByTestId('rules-area'), { target: { value: 'm1' } })
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toBe('本区域自行设定') })
    // Asked first; cancelling sends nothing.
    fireEvent.click(screen.getByTestId('rules-inherit'))
    expect(screen.getByRole('alertdialog').textContent).toContain('恢复沿用上级规则')
    fireEvent.click(screen.getByTestId('rules-inherit-cancel'))
    expect(screen.queryByRole('alertdialog')).toBeNull()
    expect(writes).toHaveLength(0)

    fireEvent.click(screen.getByTestId('rules-inherit'))
    fireEvent.click(screen.getByTestId('rules-inherit-confirm-button'))
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toBe('沿用上级“七一街道”的规则') })
    expect(writes).toEqual([{ method: 'DELETE', url: '/api/areas/m1/visit-rules', body: {} }])
    expect(screen.getByTestId('rules-inherited').textContent).toBe('已删除，现行规则：沿用上级“七一街道”的规则。')
    expect(screen.getByTestId('rules-groups').textContent).toBe('独居、失能')
    expect(screen.queryByTestId('rules-inherit')).toBeNull()
    // The form starts again from the rule now in force, not from the removed one.
    expect((screen.getByTestId('rules-method-home') as HTMLInputElement).checked).toBe(true)
    expect((screen.getByTestId('rules-method-phone') as HTMLInputElement).checked).toBe(false)
    expect((screen.getByTestId('rules-disabled-from') as HTMLSelectElement).value).toBe('3')
  })

  it('shows why the platform refused to remove a rule, and keeps the area\'s own rule on screen', async () => {
    // every area has a rule of its own here
    const writes = stubPlatform(({ method, url }) => method === 'DELETE'
      ? jsonResponse(403, { error: { code: 'PLT_ERR_FORBIDDEN', message: 'target.write required' } })
      : jsonResponse(200, { eligibleGroups: ['empty_nest'], countingMethods: ['phone'], disabledFromLevel: 2, homeVisitEachQuarter: false, fromAreaId: url.split('/')[3] }))
    render(<VisitRulesEditor areas={AREAS} canEdit />)
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toBe('本区域自行设定') })
    fireEvent.click(screen.getByTestId('rules-inherit'))
    fireEvent.click(screen.getByTestId('rules-inherit-confirm-button'))
    expect((await screen.findByRole('alert')).textContent).not.toBe('')
    expect(writes).toHaveLength(1)
    expect(screen.getByTestId('rules-source').textContent).toBe('本区域自行设定')
    expect(screen.queryByTestId('rules-inherited')).toBeNull()
  })

  it('will not save a rule under which no visit could count', async () => {
    const writes = platform({})
    render(<VisitRulesEditor areas={AREAS} canEdit />)
    await screen.findByTestId('rules-form')
    for (const m of ['home', 'phone', 'video_call']) fireEvent.click(screen.getByTestId(`rules-method-${m}`))
    expect(screen.getByTestId('rules-need-method').textContent).toContain('至少选择一种')
    expect((screen.getByTestId('rules-save') as HTMLButtonElement).disabled).toBe(true)
    expect(writes).toHaveLength(0)
  })

  it('speaks English when switched', async () => {
    setLocale('en')
    platform({ d1: DEFAULTS })
    render(<VisitRulesEditor areas={AREAS} canEdit={false} />)
    await waitFor(() => { expect(screen.getByTestId('rules-source').textContent).toBe("this area's own rule") })
    expect(screen.getByTestId('rules-methods').textContent).toBe('Home visit、Phone call、Video call (爱的眼睛)')
  })

  it('treats an answer that breaks the contract as a bad response, not a rule', async () => {
    stubPlatform(() => jsonResponse(200, { eligibleGroups: 'lives_alone', countingMethods: [], disabledFromLevel: 2, homeVisitEachQuarter: false, fromAreaId: null }))
    render(<VisitRulesEditor areas={AREAS} canEdit />)
    expect((await screen.findByRole('alert')).textContent).toContain('操作失败')
    expect(screen.queryByTestId('rules-effective')).toBeNull()
    expect(screen.queryByTestId('rules-form')).toBeNull()
  })
})
