import type { IncidentDto, IncidentStatus, Priority } from '@eldercare/protocols'
import { describe, expect, it } from 'vitest'
import { anIncident } from '../../../testing/incident-fixtures.ts'
import { applyIncident, queueFromSnapshot, sortQueue } from './queue.ts'

const at = (minute: number): string => new Date(Date.UTC(2025, 0, 1, 8, minute)).toISOString()
const inc = (id: string, priority: Priority, openedMinute: number, status: IncidentStatus = 'open'): IncidentDto =>
  anIncident({ id, priority, status, openedAt: at(openedMinute), updatedAt: at(openedMinute) })

describe('queue ordering', () => {
  it('puts P1 before P2 before P3 before P4 whatever their age', () => {
    const sorted = sortQueue([inc('p4', 'P4', 0), inc('p2', 'P2', 1), inc('p1', 'P1', 30), inc('p3', 'P3', 2)])
    expect(sorted.map((i) => i.id)).toEqual(['p1', 'p2', 'p3', 'p4'])
  })

  it('puts the longest-waiting first within one priority', () => {
    const sorted = sortQueue([inc('new', 'P1', 20), inc('old', 'P1', 5), inc('mid', 'P1', 10)])
    expect(sorted.map((i) => i.id)).toEqual(['old', 'mid', 'new'])
  })

  it('orders a mixed queue by priority, then age', () => {
    const sorted = sortQueue([
      inc('p2-new', 'P2', 40), inc('p1-new', 'P1', 50), inc('p2-old', 'P2', 1), inc('p1-old', 'P1', 45), inc('p3', 'P3', 0)
    ])
    expect(sorted.map((i) => i.id)).toEqual(['p1-old', 'p1-new', 'p2-old', 'p2-new', 'p3'])
  })

  it('keeps equal incidents in a stable order by id', () => {
    expect(sortQueue([inc('b', 'P2', 3), inc('a', 'P2', 3)]).map((i) => i.id)).toEqual(['a', 'b'])
  })
})

describe('queue updates', () => {
  it('adds an opened incident and replaces it when updated', () => {
    let queue = queueFromSnapshot([])
    queue = applyIncident(queue, inc('x', 'P1', 0))
    const acked = { ...inc('x', 'P1', 0, 'acknowledged'), updatedAt: at(1) }
    queue = applyIncident(queue, acked)
    expect([...queue.values()]).toEqual([acked])
  })

  it('drops an incident once it is resolved or closed as a false alarm', () => {
    let queue = queueFromSnapshot([inc('r', 'P1', 0), inc('f', 'P2', 0)])
    queue = applyIncident(queue, { ...inc('r', 'P1', 0, 'resolved'), updatedAt: at(5) })
    queue = applyIncident(queue, { ...inc('f', 'P2', 0, 'closed_false_alarm'), updatedAt: at(5) })
    expect(queue.size).toBe(0)
  })

  it('ignores an older copy arriving after a newer one', () => {
    const newer = { ...inc('x', 'P1', 0, 'acknowledged'), updatedAt: at(9) }
    const queue = applyIncident(queueFromSnapshot([newer]), { ...inc('x', 'P1', 0, 'open'), updatedAt: at(1) })
    expect(queue.get('x')?.status).toBe('acknowledged')
  })

  it('does not resurrect an unknown incident that is already closed', () => {
    const queue = queueFromSnapshot([])
    expect(applyIncident(queue, inc('gone', 'P1', 0, 'resolved'))).toBe(queue)
  })
})
