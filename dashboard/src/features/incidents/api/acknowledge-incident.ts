/** POST /api/incidents/:id/acknowledge {} → the updated incident. 409 when it is no longer open. */
import type { IncidentDto } from '@eldercare/protocols'
import { useCallback, useEffect, useRef, useState } from 'react'
import { apiRequest, pathId } from '../../../lib/api-client.ts'

export function acknowledgeIncident (id: string): Promise<IncidentDto> {
  return apiRequest<IncidentDto>(`/api/incidents/${pathId(id)}/acknowledge`, { method: 'POST', body: {} })
}

export interface AcknowledgeState {
  /** Acknowledges `id` unless a request for it is already under way. */
  acknowledge: (id: string) => void
  pendingIds: ReadonlySet<string>
  /** The last failure per incident, cleared when it is tried again. */
  errors: ReadonlyMap<string, Error>
}

/**
 * Acknowledgement from anywhere in the console (row button, `a` key, detail panel) goes through
 * here, so several incidents can be acknowledged at once and none twice.
 */
export function useAcknowledgeIncidents (onAcknowledged: (incident: IncidentDto) => void): AcknowledgeState {
  const [pendingIds, setPendingIds] = useState<ReadonlySet<string>>(() => new Set())
  const [errors, setErrors] = useState<ReadonlyMap<string, Error>>(() => new Map())
  const inFlight = useRef(new Set<string>())
  const onDone = useRef(onAcknowledged)
  useEffect(() => { onDone.current = onAcknowledged })

  const acknowledge = useCallback((id: string) => {
    if (inFlight.current.has(id)) return
    inFlight.current.add(id)
    setPendingIds(new Set(inFlight.current))
    setErrors((m) => without(m, id))
    acknowledgeIncident(id).then(
      (updated) => { onDone.current(updated) },
      (err: unknown) => { setErrors((m) => new Map(m).set(id, err instanceof Error ? err : new Error(String(err)))) }
    ).finally(() => {
      inFlight.current.delete(id)
      setPendingIds(new Set(inFlight.current))
    })
  }, [])

  return { acknowledge, pendingIds, errors }
}

function without<V> (map: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> {
  if (!map.has(key)) return map
  const next = new Map(map)
  next.delete(key)
  return next
}
