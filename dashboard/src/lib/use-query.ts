import { useCallback, useEffect, useRef, useState } from 'react'

export interface QueryState<T> {
  data: T | null
  error: Error | null
  loading: boolean
  /** Fetch again, keeping the current data on screen until the answer arrives. */
  reload: () => void
  /** Replace the data locally, e.g. with what a mutation returned. */
  setData: (data: T) => void
}

/**
 * Runs `fetcher` whenever `key` changes (null: run nothing) and drops answers that arrive after
 * a newer request started, so a slow response can never overwrite a fresh one.
 */
export function useQuery<T> (key: string | null, fetcher: (signal: AbortSignal) => Promise<T>): QueryState<T> {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<Error | null>(null)
  const [loading, setLoading] = useState(key !== null)
  const [generation, setGeneration] = useState(0)
  const fetcherRef = useRef(fetcher)
  useEffect(() => { fetcherRef.current = fetcher })

  const [shownKey, setShownKey] = useState(key)
  if (shownKey !== key) {
    // A different resource: what we showed belongs to the previous key.
    setShownKey(key)
    setData(null)
    setError(null)
  }

  useEffect(() => {
    if (key === null) return
    const controller = new AbortController()
    setLoading(true)
    fetcherRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return
        setData(value)
        setError(null)
        setLoading(false)
      },
      (err: unknown) => {
        if (controller.signal.aborted) return
        setError(err instanceof Error ? err : new Error(String(err)))
        setLoading(false)
      }
    )
    return () => { controller.abort() }
  }, [key, generation])

  const reload = useCallback(() => { setGeneration((g) => g + 1) }, [])
  return { data, error, loading, reload, setData }
}
