import { describe, expect, it } from 'vitest'
import { adminSectionsFor, can, screensFor } from '../lib/permissions.ts'
import { hrefFor, parseHash } from '../lib/router.ts'
import { resolveRoute } from './routes.ts'

describe('routes and roles', () => {
  it('parses and builds hash routes, escaping ids', () => {
    expect(parseHash('#/residents/r%201').segments).toEqual(['residents', 'r 1'])
    expect(parseHash('').segments).toEqual([])
    expect(hrefFor('residents', 'r 1')).toBe('#/residents/r%201')
  })

  it('opens the queue by default and a screen with its parameter', () => {
    const all = screensFor('admin')
    expect(resolveRoute(parseHash('#/'), all)).toEqual({ screen: 'queue', param: null })
    expect(resolveRoute(parseHash('#/residents/r1'), all)).toEqual({ screen: 'residents', param: 'r1' })
    expect(resolveRoute(parseHash('#/admin/devices'), all)).toEqual({ screen: 'admin', param: 'devices' })
  })

  it('sends a role to its first screen when the route is not theirs or unknown', () => {
    expect(resolveRoute(parseHash('#/admin/users'), screensFor('operator'))).toEqual({ screen: 'queue', param: null })
    expect(resolveRoute(parseHash('#/nonsense'), screensFor('operator'))).toEqual({ screen: 'queue', param: null })
    expect(resolveRoute(parseHash('#/'), screensFor('responder'))).toEqual({ screen: 'devices', param: null })
  })

  it('gives admin screens and registry writes to administrators only; auditors act on nothing', () => {
    expect(screensFor('admin')).toContain('admin')
    for (const role of ['operator', 'auditor', 'responder'] as const) expect(screensFor(role)).not.toContain('admin')
    // Supervisors reach only what the API lets them change.
    expect(adminSectionsFor('supervisor')).toEqual(['responders', 'policy'])
    expect(adminSectionsFor('admin')).toContain('users')
    expect(adminSectionsFor('operator')).toEqual([])
    expect(can('admin', 'registry.write')).toBe(true)
    expect(can('operator', 'registry.write')).toBe(false)
    expect(can('operator', 'incident.act')).toBe(true)
    expect(can('auditor', 'incident.act')).toBe(false)
    expect(can('auditor', 'device.command')).toBe(false)
    expect(can('auditor', 'incident.read')).toBe(true)
    expect(can('responder', 'incident.read')).toBe(false)
    expect(can('responder', 'vitals.read')).toBe(false)
    expect(can('auditor', 'vitals.read')).toBe(true)
  })
})
