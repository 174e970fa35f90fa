import { useI18n } from '../lib/i18n/i18n.ts'
import { setSoundEnabled, useSoundEnabled } from '../lib/sound-preference.ts'
import { unlockAudio } from '../lib/tone-player.ts'
import { BellIcon, BellOffIcon } from './icons.tsx'

/**
 * Alarm sound on/off. `aria-pressed="true"` means sound is ON; the accessible name stays
 * "报警声音" and the state shows as icon and word as well as colour.
 */
export function SoundToggle () {
  const { t } = useI18n()
  const enabled = useSoundEnabled()
  return (
    <button
      type='button'
      className={`button button--quiet sound-toggle ${enabled ? 'sound-toggle--on' : 'sound-toggle--off'}`}
      data-testid='sound-toggle'
      aria-pressed={enabled}
      onClick={() => {
        // Turning sound on is a user gesture: a good moment to let the browser play audio.
        if (!enabled) unlockAudio()
        setSoundEnabled(!enabled)
      }}
    >
      {enabled ? <BellIcon /> : <BellOffIcon />}
      {t('header.sound')}
      <span aria-hidden='true' className='sound-toggle__state'>{enabled ? t('header.soundOn') : t('header.soundOff')}</span>
    </button>
  )
}
