/** Whether alarm sounds are on; on by default and remembered across sessions. */
import { appConfig } from '../config/app-config.ts'
import { createStore, useStore } from './create-store.ts'
import { readStored, writeStored } from './storage.ts'

const soundEnabledStore = createStore(readStored('local', appConfig.storageKeys.soundEnabled) !== 'false')

export function isSoundEnabled (): boolean {
  return soundEnabledStore.get()
}

export function setSoundEnabled (enabled: boolean): void {
  soundEnabledStore.set(enabled)
  writeStored('local', appConfig.storageKeys.soundEnabled, String(enabled))
}

export function useSoundEnabled (): boolean {
  return useStore(soundEnabledStore)
}
