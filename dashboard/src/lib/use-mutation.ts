import { useCallback, useEffect, useRef, useState } from 'react'

export interface MutationState<A extends unknown[], R> {
  /** Runs the call; resolves with its result, or null when it failed (the error is in `error`). */
  run: (...args: A) => Promise<R | null>
  pending: boolean
  error: Error | null
  reset: () => void
}

export function useMutation<A extends unknown[], R> (call: (...args: A) => Promise<R>): MutationState<A, R> {
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<Error | null>(null)
  const callRef = useRef(call)
  useEffect(() => { callRef.current = call })
  const mounted = useRef(true)
  useEffect(() => {
    mounted.current = true
    return () => { mounted.current = false }
  }, [])

  const run = useCallback(async (...args: A): Promise<R | null> => {
    setPending(true)
    setError(null)
    try {
      const result = await callRef.current(...args)
      return result
    } catch (err) {
      if (mounted.current) setError(err instanceof Error ? err : new Error(String(err)))
      return null
    } finally {
      if (mounted.current) setPending(false)
    }
  }, [])
  const reset = useCallback(() => { setError(null) }, [])
  return { run, pending, error, reset }
}
