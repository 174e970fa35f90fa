import { useEffect, useRef, useState, type ReactNode } from 'react'
import { WarningIcon } from './icons.tsx'
import { useI18n } from '../lib/i18n/i18n.ts'

/**
 * A secret the platform keeps only as a hash — a device's secret [P-1.2], an integration
 * account's API token — shown this once. A modal dialog, so a stray click does not dismiss it;
 * closing it forgets the secret. `facts` are the dialog's rows; `copyText` what the copy button
 * puts on the clipboard.
 */
export function ShownOnceDialog ({ title, warning, facts, copyText, onClose, testIds }: {
  title: string
  warning: string
  facts: ReactNode
  copyText: string
  onClose: () => void
  testIds: { dialog: string, copy: string, close: string }
}) {
  const { t } = useI18n()
  const ref = useRef<HTMLDialogElement>(null)
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null)
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal?.()
  }, [])

  function copy () {
    navigator.clipboard?.writeText(copyText).then(() => { setCopied('yes') }, () => { setCopied('failed') }) ?? setCopied('failed')
  }

  const titleId = `${testIds.dialog}-title`
  return (
    <dialog ref={ref} className='dialog' aria-labelledby={titleId} data-testid={testIds.dialog} onClose={onClose} onCancel={onClose}>
      <h2 id={titleId}>{title}</h2>
      <p className='dialog__warning' role='alert'><WarningIcon /> {warning}</p>
      <dl className='facts'>{facts}</dl>
      <div className='inline-row'>
        <button type='button' className='button button--primary' onClick={copy} data-testid={testIds.copy}>{t('admin.devices.copy')}</button>
        <span role='status'>{copied === 'yes' ? t('admin.devices.copied') : copied === 'failed' ? t('admin.devices.copyFailed') : ''}</span>
        <button type='button' className='button' onClick={onClose} data-testid={testIds.close}>{t('admin.devices.secretDone')}</button>
      </div>
    </dialog>
  )
}
