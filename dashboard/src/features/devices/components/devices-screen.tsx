import type { DeviceStatusDto } from '@eldercare/protocols'
import { useCallback, useId, useMemo, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useDevices } from '../api/get-devices.ts'
import { useSites } from '../../../lib/registry/get-sites.ts'
import { useDeviceStatusEvents } from '../hooks/use-device-status-events.ts'
import { applyDeviceStatus, filterDevices, NO_DEVICE_FILTER, sortDevices, type DeviceFilter } from '../lib/device.ts'
import { DeviceTable } from './device-table.tsx'

export interface DevicesScreenProps {
  getToken: () => string | null
  canCommand: boolean
}

/** Every device of the user's area: live online/offline and battery, filters, test request. */
export function DevicesScreen ({ getToken, canCommand }: DevicesScreenProps) {
  const { t } = useI18n()
  const devices = useDevices()
  const sites = useSites()
  const [filter, setFilter] = useState<DeviceFilter>(NO_DEVICE_FILTER)
  const textId = useId()
  const connectionId = useId()

  const { setData, data } = devices
  const onStatus = useCallback((status: DeviceStatusDto) => {
    if (data !== null) setData(applyDeviceStatus(data, status))
  }, [data, setData])
  useDeviceStatusEvents(getToken, onStatus)

  const siteNames = useMemo(() => new Map((sites.data ?? []).map((s) => [s.id, s.name])), [sites.data])
  const shown = useMemo(() => sortDevices(filterDevices(data ?? [], filter, siteNames)), [data, filter, siteNames])
  const onlineCount = (data ?? []).filter((d) => d.online).length

  return (
    <section className='screen' aria-labelledby='devices-title' data-testid='devices-screen'>
      <div className='section-header'>
        <h1 id='devices-title' className='section-header__title'>
          {t('devices.title')}
          <span className='count-pill count-pill--large' data-testid='devices-count'>
            {t('devices.summary', { online: onlineCount, total: data?.length ?? 0 })}
          </span>
        </h1>
      </div>
      <form className='filters' role='search' onSubmit={(e) => { e.preventDefault() }}>
        <label className='field__label' htmlFor={textId}>{t('devices.filter.text')}</label>
        <input id={textId} className='field__input' type='search' value={filter.text} data-testid='devices-filter-text'
          onChange={(e) => { setFilter({ ...filter, text: e.target.value }) }}
        />
        <label className='field__label' htmlFor={connectionId}>{t('devices.filter.connection')}</label>
        <select id={connectionId} className='field__input' value={filter.connection} data-testid='devices-filter-connection'
          onChange={(e) => { setFilter({ ...filter, connection: e.target.value as DeviceFilter['connection'] }) }}
        >
          <option value='all'>{t('devices.filter.all')}</option>
          <option value='online'>{t('devices.online')}</option>
          <option value='offline'>{t('devices.offline')}</option>
        </select>
        <label className='checkbox'>
          <input type='checkbox' checked={filter.lowBatteryOnly} onChange={(e) => { setFilter({ ...filter, lowBatteryOnly: e.target.checked }) }} />
          {t('devices.filter.lowBattery')}
        </label>
      </form>
      {devices.error !== null && <ErrorMessage error={describeApiError(devices.error, t)} />}
      {devices.loading && data === null
        ? <p className='muted' role='status'>{t('common.loading')}</p>
        : shown.length === 0
          ? <p className='empty-state'>{t('devices.empty')}</p>
          : <DeviceTable devices={shown} siteNames={siteNames} canCommand={canCommand} caption={t('devices.title')} />}
    </section>
  )
}
