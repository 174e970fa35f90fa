import { describe, expect, it, vi } from 'vitest'
import { aDevice } from '../../../testing/registry-fixtures.ts'
import { applyDeviceStatuses, filterDevices, NO_DEVICE_FILTER, sortDevices, validDevices, type DeviceSummary } from './device.ts'

const dev = (over: Partial<DeviceSummary>): DeviceSummary => aDevice(over)

describe('device list rules', () => {
  const list = [
    dev({ id: 'a', online: true, battery: 90, fw: '1.2.0' }),
    dev({ id: 'b', online: false, battery: 50, siteId: 's2' }),
    dev({ id: 'c', online: true, battery: 10, type: 'sos_button' }),
    dev({ id: 'd', online: false, battery: null })
  ]

  it('filters by connection, low battery, site and text (site names included)', () => {
    const ids = (f: Partial<typeof NO_DEVICE_FILTER>, names = new Map<string, string>()) => filterDevices(list, { ...NO_DEVICE_FILTER, ...f }, names).map((d) => d.id)
    expect(ids({ connection: 'offline' })).toEqual(['b', 'd'])
    expect(ids({ connection: 'online' })).toEqual(['a', 'c'])
    expect(ids({ lowBatteryOnly: true })).toEqual(['c'])
    expect(ids({ siteId: 's2' })).toEqual(['b'])
    expect(ids({ text: 'SOS' })).toEqual(['c'])
    expect(ids({ text: '1.2' })).toEqual(['a'])
    expect(ids({ text: '幸福' }, new Map([['s2', '幸福里']]))).toEqual(['b'])
  })

  it('puts offline devices first, then the emptiest battery', () => {
    expect(sortDevices(list).map((d) => d.id)).toEqual(['b', 'd', 'c', 'a'])
  })

  it('lays a live status over the device it names and keeps what the event leaves out', () => {
    const next = applyDeviceStatuses(list, new Map([['a', { id: 'a', online: false, battery: null, lastSeenAt: '2026-01-01T00:00:00.000Z' }]]))
    expect(next.find((d) => d.id === 'a')).toMatchObject({ online: false, battery: 90, lastSeenAt: '2026-01-01T00:00:00.000Z' })
    expect(next.filter((d) => d.id !== 'a')).toEqual(list.filter((d) => d.id !== 'a'))
    expect(applyDeviceStatuses(list, new Map([['zz', { id: 'zz', online: true, battery: 5, lastSeenAt: null }]]))).toEqual(list)
  })

  it('lays many statuses over a long list: each device its own, the rest as they were', () => {
    const many = Array.from({ length: 3000 }, (_, i) => aDevice({ id: `d${i}`, online: true, battery: 50 }))
    const live = new Map(many.filter((_, i) => i % 3 === 0).map((d) => [d.id, { id: d.id, online: false, battery: 7, lastSeenAt: null }]))
    live.set('not-listed', { id: 'not-listed', online: false, battery: 1, lastSeenAt: null })
    const next = applyDeviceStatuses(many, live)
    expect(next).toHaveLength(3000)
    expect(next.filter((d) => !d.online).map((d) => d.id)).toEqual(many.filter((_, i) => i % 3 === 0).map((d) => d.id))
    expect(next.filter((d) => d.online)).toEqual(many.filter((_, i) => i % 3 !== 0))
    expect(next.find((d) => d.id === 'd3')).toMatchObject({ online: false, battery: 7 })
  })

  it('admits the devices of a list that keep the contract (DeviceDto), logging each it drops', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const good = aDevice({ id: 'x', type: 'hub' })
    expect(validDevices([good, { id: 'x', type: 'hub' }, { ...good, battery: 'full' }])).toEqual([good])
    expect(validDevices({ items: [good] })).toEqual([])
    expect(warn).toHaveBeenCalledTimes(2)
    expect(String(warn.mock.calls[1]?.[0])).toContain('/battery')
  })
})
