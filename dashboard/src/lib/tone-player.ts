/**
 * Plays short beep patterns with the Web Audio API; no audio files to load or cache.
 *
 * Browsers start an AudioContext suspended until the page sees a user gesture, so the app calls
 * `unlockAudio()` from the login click and from the first key or pointer press of a restored session.
 */

export interface Tone {
  /** Pitch, in hertz. */
  frequencyHz: number
  /** How long the tone sounds, in milliseconds. */
  durationMs: number
  /** Silence after the tone, in milliseconds. */
  gapMs: number
}

/** Peak loudness, 0–1. Loud enough to hear over a night-shift room, short of clipping. */
const PEAK_GAIN = 0.35
/** Fade in/out, in seconds, so tones start and stop without a click. */
const RAMP_S = 0.01

type AudioContextCtor = typeof AudioContext

let context: AudioContext | null = null

function audioContextCtor (): AudioContextCtor | null {
  // Safari before 14.1 only has the prefixed constructor.
  const g = globalThis as { AudioContext?: AudioContextCtor, webkitAudioContext?: AudioContextCtor }
  return g.AudioContext ?? g.webkitAudioContext ?? null
}

function ensureContext (): AudioContext | null {
  if (context !== null) return context
  const Ctor = audioContextCtor()
  if (Ctor === null) return null
  try {
    context = new Ctor()
  } catch {
    return null
  }
  return context
}

/** Creates or resumes the audio context; call it inside a user-gesture handler. */
export function unlockAudio (): void {
  const ctx = ensureContext()
  if (ctx !== null && ctx.state === 'suspended') void ctx.resume().catch(() => {})
}

/** Schedules `pattern` now. Silently does nothing where audio is unavailable. */
export function playPattern (pattern: readonly Tone[]): void {
  const ctx = ensureContext()
  if (ctx === null) return
  if (ctx.state === 'suspended') void ctx.resume().catch(() => {})
  let at = ctx.currentTime + 0.02
  for (const tone of pattern) {
    const seconds = tone.durationMs / 1000
    const oscillator = ctx.createOscillator()
    const gain = ctx.createGain()
    oscillator.type = 'square'
    oscillator.frequency.setValueAtTime(tone.frequencyHz, at)
    gain.gain.setValueAtTime(0, at)
    gain.gain.linearRampToValueAtTime(PEAK_GAIN, at + RAMP_S)
    gain.gain.setValueAtTime(PEAK_GAIN, at + seconds - RAMP_S)
    gain.gain.linearRampToValueAtTime(0, at + seconds)
    oscillator.connect(gain).connect(ctx.destination)
    oscillator.start(at)
    oscillator.stop(at + seconds)
    at += seconds + tone.gapMs / 1000
  }
}
