import { startTransition, useEffect, useState } from 'react'
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

/** The shared time for a countdown mounting now: fresh when no clock runs, else the clock's (so rows agree). */
function mountNow (): number {
  if (timer === null) now = Date.now()
  return now
}

/**
 * Current time in epoch milliseconds, re-rendering every `appConfig.clockTickMs`.
 *
 * Each tick is a transition: with a thousand countdowns on screen the tick is a large render, and
 * as a transition React renders it in slices that a new alarm (an urgent update) interrupts, so
 * the alarm is not kept waiting behind the clock. (useSyncExternalStore would render it in one
 * uninterruptible block.)
 */
export function useNow (): number {
  const [value, setValue] = useState(mountNow)
  useEffect(() => subscribe(() => { startTransition(() => { setValue(getNow()) }) }), [])
  return value
}
