/**
 * The live queue: a REST snapshot of the active incidents kept current by socket events.
 *
 * Nothing may be missed across a disconnect, so every (re)connect fetches the snapshot again;
 * events that arrive while a snapshot is in flight are replayed on top of it, and `updatedAt`
 * keeps an older copy from replacing a newer one whichever way they race.
 */
import { isIncidentDto, isIncidentEscalatedDto, type IncidentDto } from '@eldercare/protocols'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { appConfig } from '../../../config/app-config.ts'
import { connectRealtime } from '../../../lib/socket.ts'
import { getActiveIncidents } from '../api/get-active-incidents.ts'
import { dropMalformedIncident } from '../lib/incident-guard.ts'
import { applyIncident, queueFromSnapshot, sortQueue, type IncidentMap } from '../lib/queue.ts'

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting'

export interface LiveQueueOptions {
  /** The session token, read at every (re)connect. */
  getToken: () => string | null
  /** An open incident the console had not seen: sound and announce it. */
  onNewIncident: (incident: IncidentDto) => void
  /**
   * The platform asks to alert again (`reAlert` on `incident:updated`: the alarm repeated, or an
   * escalation step ran; or an `incident:escalated` event). Default: nothing.
   */
  onReAlert?: (incident: IncidentDto) => void
}

export interface LiveQueue {
  /** Active incidents, most urgent first. */
  incidents: IncidentDto[]
  /** Looked up by id, including what an operator's action just returned. */
  byId: IncidentMap
  /** True until the first snapshot arrives. */
  loading: boolean
  /** Why the latest snapshot failed, or null. */
  error: Error | null
  connection: ConnectionState
  reload: () => void
  /** Folds in an incident an action returned, without waiting for the socket echo. */
  apply: (incident: IncidentDto) => void
}

export function useLiveQueue ({ getToken, onNewIncident, onReAlert }: LiveQueueOptions): LiveQueue {
  const [queue, setQueue] = useState<IncidentMap>(() => new Map())
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<Error | null>(null)
  const [connection, setConnection] = useState<ConnectionState>('connecting')

  // Socket handlers run outside React's render cycle; they work on refs and publish with commit().
  const queueRef = useRef<IncidentMap>(queue)
  const snapshotApplied = useRef(false)
  /** Numbers snapshot requests; only the latest may land. */
  const fetchSeq = useRef(0)
  const fetchInFlight = useRef(false)
  const eventsDuringFetch = useRef<IncidentDto[]>([])
  const onNewRef = useRef(onNewIncident)
  const onReAlertRef = useRef(onReAlert)
  const getTokenRef = useRef(getToken)
  useEffect(() => {
    onNewRef.current = onNewIncident
    onReAlertRef.current = onReAlert
    getTokenRef.current = getToken
  })

  const commit = useCallback((next: IncidentMap) => {
    queueRef.current = next
    setQueue(next)
  }, [])

  const receive = useCallback((payload: unknown) => {
    if (!isIncidentDto(payload)) {
      dropMalformedIncident('incident event', payload)
      return
    }
    const incident = payload
    const isNew = !queueRef.current.has(incident.id) && incident.status === 'open'
    if (fetchInFlight.current) eventsDuringFetch.current.push(incident)
    commit(applyIncident(queueRef.current, incident))
    if (isNew && queueRef.current.has(incident.id)) onNewRef.current(incident)
    else if (!isNew && incident.reAlert != null && queueRef.current.has(incident.id)) onReAlertRef.current?.(incident)
  }, [commit])

  const fetchSnapshot = useCallback(async () => {
    const seq = ++fetchSeq.current
    fetchInFlight.current = true
    eventsDuringFetch.current = []
    try {
      const items = await getActiveIncidents()
      if (seq !== fetchSeq.current) return
      let next = queueFromSnapshot(items)
      for (const event of eventsDuringFetch.current) next = applyIncident(next, event)
      const before = queueRef.current
      const alertOnNew = snapshotApplied.current
      snapshotApplied.current = true
      commit(next)
      setError(null)
      // Opened while we were disconnected: as new to the operator as a live event.
      if (alertOnNew) {
        for (const incident of next.values()) {
          if (!before.has(incident.id) && incident.status === 'open') onNewRef.current(incident)
        }
      }
    } catch (err) {
      if (seq !== fetchSeq.current) return
      setError(err instanceof Error ? err : new Error(String(err)))
    } finally {
      if (seq === fetchSeq.current) {
        fetchInFlight.current = false
        eventsDuringFetch.current = []
        setLoading(false)
      }
    }
  }, [commit])

  useEffect(() => {
    let closed = false
    let retryTimer: ReturnType<typeof setTimeout> | null = null
    void fetchSnapshot()
    const socket = connectRealtime(() => getTokenRef.current())

    // The server refused us (bad token) or dropped us: socket.io will not retry by itself. The
    // snapshot fetch doubles as the session check, since a 401 there ends the session.
    const retryLater = () => {
      if (retryTimer !== null) return
      retryTimer = setTimeout(() => {
        retryTimer = null
        if (closed) return
        void fetchSnapshot()
        socket.connect()
      }, appConfig.refusedRetryDelayMs)
    }

    socket.on('connect', () => {
      setConnection('connected')
      void fetchSnapshot()
    })
    socket.on('disconnect', (reason) => {
      if (closed) return
      setConnection('reconnecting')
      if (reason === 'io server disconnect') retryLater()
    })
    socket.on('connect_error', () => {
      if (closed) return
      setConnection('reconnecting')
      if (!socket.active) retryLater()
    })
    socket.on('incident:opened', receive)
    socket.on('incident:updated', receive)
    // An escalation step (issue 5) carries the incident; it is an alert like `reAlert`.
    socket.on('incident:escalated', (e: unknown) => {
      if (isIncidentEscalatedDto(e)) receive({ ...e.incident, reAlert: 'escalation' })
      else dropMalformedIncident('incident:escalated event', e)
    })

    return () => {
      closed = true
      if (retryTimer !== null) clearTimeout(retryTimer)
      socket.removeAllListeners()
      socket.disconnect()
      // Answers still on their way belong to this connection; let none of them land.
      fetchSeq.current++
      fetchInFlight.current = false
    }
  }, [fetchSnapshot, receive])

  const apply = useCallback((incident: IncidentDto) => {
    if (isIncidentDto(incident)) commit(applyIncident(queueRef.current, incident))
    else dropMalformedIncident('incident answer', incident)
  }, [commit])

  const reload = useCallback(() => { void fetchSnapshot() }, [fetchSnapshot])
  const incidents = useMemo(() => sortQueue(queue.values()), [queue])
  return { incidents, byId: queue, loading, error, connection, reload, apply }
}
