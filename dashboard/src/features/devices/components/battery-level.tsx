import { useI18n } from '../../../lib/i18n/i18n.ts'
import { LOW_BATTERY_PERCENT } from '../lib/device.ts'

/** Battery as a number with words when low; never colour alone. */
export function BatteryLevel ({ battery }: { battery: number | null }) {
  const { t } = useI18n()
  if (battery === null) return <span className='muted'>—</span>
  const low = battery < LOW_BATTERY_PERCENT
  return (
    <span className={low ? 'battery battery--low' : 'battery'} data-testid='device-battery'>
      {battery}%{low && <strong> {t('devices.batteryLow')}</strong>}
    </span>
  )
}
