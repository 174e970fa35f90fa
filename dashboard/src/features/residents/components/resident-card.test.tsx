import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../../../testing/incident-fixtures.ts'
import { aResident } from '../../../testing/registry-fixtures.ts'
import { ResidentCard } from './resident-card.tsx'

const born = (yearsAgo: number): string => `${new Date().getFullYear() - yearsAgo}-01-01`

describe('resident card', () => {
  it('shows age, the GB/T 42195 capacity label, lives-alone and conditions', () => {
    render(<ResidentCard resident={aResident({ id: 'r1', name: '王秀英', siteName: '幸福里', birthDate: born(86), capacityLevel: 3, livesAlone: true, conditions: ['高血压', '糖尿病'] })} />)
    expect(screen.getByTestId('resident-age').textContent).toContain('86 岁')
    expect(screen.getByTestId('resident-capacity').textContent).toBe('能力等级 3：重度失能')
    expect(screen.getByTestId('resident-lives-alone').textContent).toBe('独居')
    expect(screen.getByText('高血压、糖尿病')).toBeTruthy()
  })

  it('offers click-to-call for a dialable contact, and shows a masked one without a link', () => {
    render(<ResidentCard resident={aResident({
      id: 'r1', name: '王秀英', phone: '*******1234',
      contacts: [{ name: '王强', phone: '13800005678', relation: '儿子' }, { name: '李梅', phone: '*******9999' }]
    })} />)
    const links = screen.getAllByTestId('phone-link')
    expect(links).toHaveLength(1)
    expect(links[0].getAttribute('href')).toBe('tel:13800005678')
    expect(links[0].textContent).toBe('138 0000 5678')
    expect(screen.getByText('*** **** 9999', { exact: false })).toBeTruthy()
    expect(screen.getAllByText('（已隐藏）')).toHaveLength(2)
  })

  it('says when nothing is known rather than leaving gaps', () => {
    render(<ResidentCard resident={aResident({ id: 'r1', name: '张三' })} />)
    expect(screen.queryByTestId('resident-age')).toBeNull()
    expect(screen.queryByTestId('resident-capacity')).toBeNull()
    expect(screen.getByText('未登记紧急联系人。')).toBeTruthy()
  })

  it('shows medications, allergies and access notes, and reveals phones and the key-safe code on request (audited by the platform)', async () => {
    const posts: string[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      posts.push(`${init.method} ${url} ${String(init.body)}`)
      if (url.endsWith('/reveal/contact-phones')) return jsonResponse(200, { value: [{ name: '王强', relation: '儿子', phone: '13800005678' }] })
      if (url.endsWith('/reveal/phone')) return jsonResponse(200, { value: '13800001234' })
      return jsonResponse(200, { value: '4821' })
    }))
    render(<ResidentCard canReveal resident={aResident({
      id: 'r1', name: '王秀英', phone: '*******1234', medications: ['氨氯地平'], allergies: ['青霉素'], accessNotes: '钥匙箱在门左侧', hasKeySafeCode: true,
      contacts: [{ name: '王强', phone: '*******5678', relation: '儿子' }]
    })} />)
    expect(screen.getByText('氨氯地平')).toBeTruthy()
    expect(screen.getByText('青霉素')).toBeTruthy()
    expect(screen.getByText('钥匙箱在门左侧')).toBeTruthy()
    expect(screen.queryAllByTestId('phone-link')).toHaveLength(0)
    fireEvent.click(screen.getByTestId('reveal-phones'))
    await waitFor(() => { expect(screen.getAllByTestId('phone-link').map((a) => a.getAttribute('href'))).toEqual(['tel:13800001234', 'tel:13800005678']) })
    fireEvent.click(screen.getByTestId('reveal-key-safe'))
    expect((await screen.findByTestId('key-safe-code')).textContent).toBe('4821')
    expect(posts).toEqual([
      'POST /api/residents/r1/reveal/phone {"reason":"operator console"}',
      'POST /api/residents/r1/reveal/contact-phones {"reason":"operator console"}',
      'POST /api/residents/r1/reveal/key-safe-code {"reason":"operator console"}'
    ])
  })

  it('offers no reveal to a role that may not', () => {
    render(<ResidentCard resident={aResident({ id: 'r1', name: '王秀英', hasKeySafeCode: true, contacts: [{ name: '王强', phone: '*******5678' }] })} />)
    expect(screen.queryByTestId('reveal-phones')).toBeNull()
    expect(screen.queryByTestId('reveal-key-safe')).toBeNull()
  })
})
