import { ShownOnceDialog } from '../../../components/shown-once-dialog.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import type { CreatedDevice } from '../api/create-device.ts'

/** The new device's secret, shown once ([P-1.2]: the platform keeps only its hash). */
export function DeviceSecretDialog ({ device, onClose }: { device: CreatedDevice, onClose: () => void }) {
  const { t } = useI18n()
  return (
    <ShownOnceDialog
      title={t('admin.devices.secretTitle')} warning={t('admin.devices.secretWarning')}
      copyText={`${device.id}\n${device.secret}`} onClose={onClose}
      testIds={{ dialog: 'device-secret-dialog', copy: 'copy-secret', close: 'close-secret' }}
      facts={<>
        <div className='facts__row'><dt>{t('devices.col.id')}</dt><dd><code data-testid='created-device-id'>{device.id}</code></dd></div>
        <div className='facts__row'><dt>{t('admin.devices.secret')}</dt><dd><code data-testid='created-device-secret'>{device.secret}</code></dd></div>
      </>}
    />
  )
}
