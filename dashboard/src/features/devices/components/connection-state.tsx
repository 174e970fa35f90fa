import { useI18n } from '../../../lib/i18n/i18n.ts'

/** Online/offline as a dot, a word and a data hook. */
export function ConnectionState ({ online }: { online: boolean }) {
  const { t } = useI18n()
  return (
    <span className={`connection connection--${online ? 'online' : 'offline'}`} data-testid='device-connection' data-online={online}>
      <span className='connection__dot' aria-hidden='true' />
      {online ? t('devices.online') : t('devices.offline')}
    </span>
  )
}
