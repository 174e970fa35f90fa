import { useEffect, useRef, useState } from 'react'
import { WarningIcon } from '../../../components/icons.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import type { CreatedDevice } from '../api/create-device.ts'

/**
 * The new device's secret, shown once ([P-1.2]: the platform keeps only its hash). A modal
 * dialog, so it is not dismissed by a stray click; closing it forgets the secret.
 */
export function DeviceSecretDialog ({ device, onClose }: { device: CreatedDevice, onClose: () => void }) {
  const { t } = useI18n()
  const ref = useRef<HTMLDialogElement>(null)
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal?.()
  }, [])

  function copy () {
    const text = `${device.id}\n${device.secret}`
    navigator.clipboard?.writeText(text).then(() => { setCopied('yes') }, () => { setCopied('failed') }) ?? setCopied('failed')
  }

  return (
    <dialog ref={ref} className='dialog' aria-labelledby='secret-title' data-testid='device-secret-dialog' onClose={onClose} onCancel={onClose}>
      <h2 id='secret-title'>{t('admin.devices.secretTitle')}</h2>
      <p className='dialog__warning' role='alert'><WarningIcon /> {t('admin.devices.secretWarning')}</p>
      <dl className='facts'>
        <div className='facts__row'><dt>{t('devices.col.id')}</dt><dd><code data-testid='created-device-id'>{device.id}</code></dd></div>
        <div className='facts__row'><dt>{t('admin.devices.secret')}</dt><dd><code data-testid='created-device-secret'>{device.secret}</code></dd></div>
      </dl>
      <div className='inline-row'>
        <button type='button' className='button button--primary' onClick={copy} data-testid='copy-secret'>{t('admin.devices.copy')}</button>
        <span role='status'>{copied === 'yes' ? t('admin.devices.copied') : copied === 'failed' ? t('admin.devices.copyFailed') : ''}</span>
        <button type='button' className='button' onClick={onClose} data-testid='close-secret'>{t('admin.devices.secretDone')}</button>
      </div>
    </dialog>
  )
}
