/**
 * The `a` key acknowledges: the focused queue row if focus is on one, else the selected incident.
 * Ignored while typing (a note must be able to contain the letter a) and with modifier keys.
 */
import { useEffect, useRef } from 'react'

function isTyping (target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || target.closest('input, textarea, select') !== null
}

export function useAcknowledgeShortcut (selectedId: string | null, acknowledge: (id: string) => void): void {
  const latest = useRef({ selectedId, acknowledge })
  useEffect(() => { latest.current = { selectedId, acknowledge } })

  useEffect(() => {
    function onKeyDown (event: KeyboardEvent) {
      if (event.key !== 'a' && event.key !== 'A') return
      if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || isTyping(event.target)) return
      const row = event.target instanceof HTMLElement ? event.target.closest<HTMLElement>('[data-testid="incident-row"]') : null
      const id = row?.dataset.incidentId ?? latest.current.selectedId
      if (id === undefined || id === null) return
      event.preventDefault()
      latest.current.acknowledge(id)
    }
    document.addEventListener('keydown', onKeyDown)
    return () => { document.removeEventListener('keydown', onKeyDown) }
  }, [])
}
