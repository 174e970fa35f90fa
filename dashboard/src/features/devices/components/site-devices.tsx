import { useMemo } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useDevices } from '../api/get-devices.ts'
import { sortDevices } from '../lib/device.ts'
import { DeviceTable } from './device-table.tsx'

/**
 * The devices installed at one site, for the incident workspace. GET /api/devices has no site
 * filter yet, so the list is filtered here.
 */
export function SiteDevices ({ siteId, canCommand }: { siteId: string, canCommand: boolean }) {
  const { t } = useI18n()
  const devices = useDevices()
  const atSite = useMemo(() => sortDevices((devices.data ?? []).filter((d) => d.siteId === siteId)), [devices.data, siteId])
  return (
    <div data-testid='site-devices'>
      {devices.error !== null && <ErrorMessage error={describeApiError(devices.error, t)} />}
      {devices.data !== null && atSite.length === 0 && <p className='muted'>{t('devices.noneAtSite')}</p>}
      {atSite.length > 0 && <DeviceTable devices={atSite} siteNames={new Map()} canCommand={canCommand} hideSite caption={t('workspace.devices')} />}
    </div>
  )
}
