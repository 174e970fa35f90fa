import type { IncidentDto } from '@eldercare/protocols'
import { useCallback, useRef, useState, type KeyboardEvent } from 'react'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { IncidentRow } from './incident-row.tsx'

export interface IncidentQueueProps {
  /** Already in queue order. */
  incidents: readonly IncidentDto[]
  selectedId: string | null
  acknowledgingIds: ReadonlySet<string>
  /** Show acknowledge buttons (false for read-only roles). Default true. */
  canAct?: boolean
  onSelect: (id: string) => void
  onAcknowledge: (id: string) => void
}

/**
 * The queue table. Keyboard: the rows are one tab stop; ↑ ↓ Home End move between them, Enter
 * opens the details, `a` acknowledges (see use-acknowledge-shortcut.ts).
 */
export function IncidentQueue ({ incidents, selectedId, acknowledgingIds, canAct = true, onSelect, onAcknowledge }: IncidentQueueProps) {
  const { t } = useI18n()
  const bodyRef = useRef<HTMLTableSectionElement>(null)
  // The tab stop follows keyboard focus, then the selection, then the top of the queue.
  const [focusedId, setFocusedId] = useState<string | null>(null)
  const has = (id: string | null) => id !== null && incidents.some((i) => i.id === id)
  const tabStopId = has(focusedId) ? focusedId : has(selectedId) ? selectedId : incidents[0]?.id ?? null

  // Rows are memoised (a thousand of them must not all re-render for one new alarm), so the
  // handlers they get must keep their identity: they read the latest props through a ref.
  const latest = useRef({ incidents, onSelect })
  latest.current = { incidents, onSelect }

  const focusRow = useCallback((index: number) => {
    const { incidents } = latest.current
    const target = incidents[Math.max(0, Math.min(incidents.length - 1, index))]
    if (target === undefined) return
    setFocusedId(target.id)
    const rows = bodyRef.current?.querySelectorAll<HTMLElement>('[data-testid="incident-row"]') ?? []
    for (const row of rows) if (row.dataset.incidentId === target.id) row.focus()
  }, [])

  const onRowKeyDown = useCallback((event: KeyboardEvent<HTMLTableRowElement>, id: string) => {
    // Keys pressed on the row's own button belong to the button.
    if (event.target !== event.currentTarget) return
    const { incidents, onSelect } = latest.current
    const index = incidents.findIndex((i) => i.id === id)
    switch (event.key) {
      case 'ArrowDown': focusRow(index + 1); break
      case 'ArrowUp': focusRow(index - 1); break
      case 'Home': focusRow(0); break
      case 'End': focusRow(incidents.length - 1); break
      case 'Enter':
      case ' ':
        onSelect(id)
        break
      default: return
    }
    event.preventDefault()
  }, [focusRow])

  return (
    <table className='queue' data-testid='incident-queue'>
      <caption className='visually-hidden'>{t('queue.title')}</caption>
      <thead>
        <tr>
          <th scope='col'>{t('queue.col.priority')}</th>
          <th scope='col'>{t('queue.col.type')}</th>
          <th scope='col'>{t('queue.col.resident')}</th>
          <th scope='col'>{t('queue.col.location')}</th>
          <th scope='col'>{t('queue.col.status')}</th>
          <th scope='col'>{t('queue.col.opened')}</th>
          <th scope='col'>{t('queue.col.sla')}</th>
          <th scope='col'><span className='visually-hidden'>{t('queue.col.actions')}</span></th>
        </tr>
      </thead>
      <tbody ref={bodyRef}>
        {incidents.map((incident) => (
          <IncidentRow
            key={incident.id}
            incident={incident}
            selected={incident.id === selectedId}
            tabbable={incident.id === tabStopId}
            acknowledging={acknowledgingIds.has(incident.id)}
            canAct={canAct}
            onSelect={onSelect}
            onAcknowledge={onAcknowledge}
            onKeyDown={onRowKeyDown}
            onFocus={setFocusedId}
          />
        ))}
      </tbody>
    </table>
  )
}
