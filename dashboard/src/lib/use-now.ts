import { useSyncExternalStore } from 'react'
import { appConfig } from '../config/app-config.ts'

/*
 * One shared clock for every countdown on screen: rows tick together, and there is a single
 * interval however long the queue is. It runs only while something is subscribed.
 */
let now = Date.now()
let timer: ReturnType<typeof setInterval> | null = null
const listeners = new Set<() => void>()

function subscribe (listener: () => void): () => void {
  listeners.add(listener)
  now = Date.now()
  if (timer === null) {
    timer = setInterval(() => {
      now = Date.now()
      for (const l of [...listeners]) l()
    }, appConfig.clockTickMs)
  }
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }
}

const getNow = (): number => now

/** Current time in epoch milliseconds, re-rendering every `appConfig.clockTickMs`. */
export function useNow (): number {
  return useSyncExternalStore(subscribe, getNow, getNow)
}
