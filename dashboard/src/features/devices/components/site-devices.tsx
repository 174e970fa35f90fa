import { useMemo } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useDevices } from '../api/get-devices.ts'
import { useLiveDevices } from '../hooks/use-live-devices.ts'
import { sortDevices } from '../lib/device.ts'
import { DeviceTable } from './device-table.tsx'

/** The devices installed at one site, for the incident workspace, with live status. */
export function SiteDevices ({ siteId, canCommand, getToken }: { siteId: string, canCommand: boolean, getToken: () => string | null }) {
  const { t } = useI18n()
  const devices = useDevices(siteId)
  const live = useLiveDevices(devices.data, getToken)
  const atSite = useMemo(() => sortDevices(live ?? []), [live])
  return (
    <div data-testid='site-devices'>
      {devices.error !== null && <ErrorMessage error={describeApiError(devices.error, t)} />}
      {devices.data !== null && atSite.length === 0 && <p className='muted'>{t('devices.noneAtSite')}</p>}
      {atSite.length > 0 && <DeviceTable devices={atSite} siteNames={new Map()} canCommand={canCommand} hideSite caption={t('workspace.devices')} />}
    </div>
  )
}
