import { describe, expect, it } from 'vitest'
import { formatPhone, telHref } from './phone.ts'

describe('phone numbers', () => {
  it('groups a mainland mobile number 3-4-4, masked or not', () => {
    expect(formatPhone('13800001234')).toBe('138 0000 1234')
    expect(formatPhone('+8613800001234')).toBe('+86 138 0000 1234')
    expect(formatPhone('*******1234')).toBe('*** **** 1234')
  })

  it('shows other numbers as given and nothing as a dash', () => {
    expect(formatPhone('010-6512 3456')).toBe('010-6512 3456')
    expect(formatPhone(null)).toBe('—')
  })

  it('offers tel: only for a dialable number, never for a masked one', () => {
    expect(telHref('138 0000 1234')).toBe('tel:13800001234')
    expect(telHref('+86 138-0000-1234')).toBe('tel:+8613800001234')
    expect(telHref('*******1234')).toBeNull()
    expect(telHref('')).toBeNull()
  })
})
