import { useEffect, useMemo, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { Pager } from '../../../components/pager.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useDevices } from '../api/get-devices.ts'
import { useSites } from '../../../lib/registry/get-sites.ts'
import { useLiveDevices } from '../hooks/use-live-devices.ts'
import { filterDevices, NO_DEVICE_FILTER, sortDevices, type DeviceFilter } from '../lib/device.ts'
import { DeviceTable } from './device-table.tsx'

export interface DevicesScreenProps {
  getToken: () => string | null
  canCommand: boolean
}

/**
 * Rows of the devices table shown at once. A city's area holds thousands of devices; the whole list
 * re-rendered on every batch of live statuses froze the console for seconds during a reconnect
 * storm (5,000 rows: up to 1.2 s per render, `npm run bench:console`), on the thread the alarm
 * queue shares. Filters and the order apply to the whole list; a page of it is rendered.
 */
export const DEVICE_PAGE_ROWS = 200

/** Every device of the user's area: live online/offline and battery, filters, test request. */
export function DevicesScreen ({ getToken, canCommand }: DevicesScreenProps) {
  const { t } = useI18n()
  const devices = useDevices()
  const sites = useSites()
  const [filter, setFilterState] = useState<DeviceFilter>(NO_DEVICE_FILTER)
  const [page, setPage] = useState(0)
  // a new filter starts at its first page
  const setFilter = (f: DeviceFilter) => { setFilterState(f); setPage(0) }

  const data = useLiveDevices(devices.data, getToken)

  const siteNames = useMemo(() => new Map((sites.data ?? []).map((s) => [s.id, s.name])), [sites.data])
  const shown = useMemo(() => sortDevices(filterDevices(data ?? [], filter, siteNames)), [data, filter, siteNames])
  const onlineCount = (data ?? []).filter((d) => d.online).length
  const pages = Math.max(1, Math.ceil(shown.length / DEVICE_PAGE_ROWS))
  // the list shrank under the page shown (a filter, devices gone): the last page there is
  useEffect(() => { if (page > pages - 1) setPage(pages - 1) }, [page, pages])
  const from = Math.min(page, pages - 1) * DEVICE_PAGE_ROWS
  const pageRows = useMemo(() => shown.slice(from, from + DEVICE_PAGE_ROWS), [shown, from])

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
      <form className='filters filters--compact' role='search' onSubmit={(e) => { e.preventDefault() }}>
        <FormField label={t('devices.filter.text')}>
          {(id) => (
            <input id={id} className='field__input' type='search' value={filter.text} data-testid='devices-filter-text'
              onChange={(e) => { setFilter({ ...filter, text: e.target.value }) }}
            />
          )}
        </FormField>
        <SelectField
          label={t('devices.filter.connection')}
          value={filter.connection}
          options={[{ value: 'online', label: t('devices.online') }, { value: 'offline', label: t('devices.offline') }]}
          placeholder={{ value: 'all', label: t('devices.filter.all') }}
          onChange={(v) => { setFilter({ ...filter, connection: v as DeviceFilter['connection'] }) }}
          testId='devices-filter-connection'
        />
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
          : (
            <>
              <DeviceTable devices={pageRows} siteNames={siteNames} canCommand={canCommand} caption={t('devices.title')} />
              {pages > 1 && <p className='muted' data-testid='devices-page-rows'>{t('devices.pageRows', { from: from + 1, to: from + pageRows.length, total: shown.length })}</p>}
              <Pager page={Math.min(page, pages - 1)} pages={pages} onPage={setPage} testId='devices-pager' />
            </>
            )}
    </section>
  )
}
