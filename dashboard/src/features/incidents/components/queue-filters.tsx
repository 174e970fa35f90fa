import { INCIDENT_STATUSES, isActive, PRIORITIES, type IncidentStatus, type Priority } from '@eldercare/protocols'
import { FormField } from '../../../components/form-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { isFiltered, NO_QUEUE_FILTER, type QueueFilter } from '../lib/queue.ts'

const ACTIVE_STATUSES = INCIDENT_STATUSES.filter(isActive)

/** Narrow the queue by priority, state and area. New alarms outside the filter still sound. */
export function QueueFilters ({ filter, areas, onChange }: { filter: QueueFilter, areas: Array<{ id: string, name: string }>, onChange: (filter: QueueFilter) => void }) {
  const { t, tOr } = useI18n()
  return (
    <form className='filters filters--compact' role='search' aria-label={t('queue.filter.label')} onSubmit={(e) => { e.preventDefault() }} data-testid='queue-filters'>
      <FormField label={t('queue.col.priority')}>
        {(id) => (
          <select id={id} className='field__input' value={filter.priority} data-testid='queue-filter-priority'
            onChange={(e) => { onChange({ ...filter, priority: e.target.value as Priority | 'all' }) }}
          >
            <option value='all'>{t('devices.filter.all')}</option>
            {PRIORITIES.map((p) => <option key={p} value={p}>{p} {t(`priority.${p}`)}</option>)}
          </select>
        )}
      </FormField>
      <FormField label={t('queue.col.status')}>
        {(id) => (
          <select id={id} className='field__input' value={filter.status} data-testid='queue-filter-status'
            onChange={(e) => { onChange({ ...filter, status: e.target.value as IncidentStatus | 'all' }) }}
          >
            <option value='all'>{t('devices.filter.all')}</option>
            {ACTIVE_STATUSES.map((s) => <option key={s} value={s}>{tOr('status.', s)}</option>)}
          </select>
        )}
      </FormField>
      <FormField label={t('queue.filter.area')}>
        {(id) => (
          <select id={id} className='field__input' value={filter.areaId} data-testid='queue-filter-area'
            onChange={(e) => { onChange({ ...filter, areaId: e.target.value }) }}
          >
            <option value='all'>{t('devices.filter.all')}</option>
            {areas.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        )}
      </FormField>
      {isFiltered(filter) && (
        <button type='button' className='button button--quiet' onClick={() => { onChange(NO_QUEUE_FILTER) }} data-testid='queue-filter-clear'>
          {t('queue.filter.clear')}
        </button>
      )}
    </form>
  )
}
