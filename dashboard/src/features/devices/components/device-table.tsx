import { memo } from 'react'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import type { DeviceSummary } from '../lib/device.ts'
import { BatteryLevel } from './battery-level.tsx'
import { ConnectionState } from './connection-state.tsx'
import { TestRequestButton } from './test-request-button.tsx'

export interface DeviceTableProps {
  devices: readonly DeviceSummary[]
  siteNames: ReadonlyMap<string, string>
  /** Whether this user may send commands (test requests). */
  canCommand: boolean
  /** Hide the site column (the list is already one site's). */
  hideSite?: boolean
  caption: string
}

/** Devices with their connection, battery, last contact and firmware. */
export function DeviceTable ({ devices, siteNames, canCommand, hideSite = false, caption }: DeviceTableProps) {
  const { t } = useI18n()
  return (
    <table className='data-table' data-testid='device-table'>
      <caption className='visually-hidden'>{caption}</caption>
      <thead>
        <tr>
          <th scope='col'>{t('devices.col.status')}</th>
          <th scope='col'>{t('devices.col.id')}</th>
          <th scope='col'>{t('devices.col.type')}</th>
          {!hideSite && <th scope='col'>{t('devices.col.site')}</th>}
          <th scope='col'>{t('devices.col.battery')}</th>
          <th scope='col'>{t('devices.col.lastSeen')}</th>
          <th scope='col'>{t('devices.col.firmware')}</th>
          {canCommand && <th scope='col'>{t('devices.col.actions')}</th>}
        </tr>
      </thead>
      <tbody>
        {devices.map((d) => (
          <DeviceRow key={d.id} device={d} siteName={siteNames.get(d.siteId) ?? d.siteId} canCommand={canCommand} hideSite={hideSite} />
        ))}
      </tbody>
    </table>
  )
}

const DeviceRow = memo(function DeviceRow ({ device, siteName, canCommand, hideSite }: { device: DeviceSummary, siteName: string, canCommand: boolean, hideSite: boolean }) {
  const { tOr, formatDateTime } = useI18n()
  return (
    <tr data-testid='device-row' data-device-id={device.id} data-online={device.online}>
      <td><ConnectionState online={device.online} /></td>
      <td><code>{device.id}</code></td>
      <td>{tOr('deviceType.', device.type)}</td>
      {!hideSite && <td>{siteName}</td>}
      <td><BatteryLevel battery={device.battery} /></td>
      <td className='nowrap'><time dateTime={device.lastSeenAt ?? undefined}>{formatDateTime(device.lastSeenAt)}</time></td>
      <td>{device.fw ?? '—'}</td>
      {canCommand && <td><TestRequestButton deviceId={device.id} /></td>}
    </tr>
  )
})
