import { INCIDENT_STATUSES, isActive, PRIORITIES, type IncidentStatus, type Priority } from '@eldercare/protocols'
import { SelectField } from '../../../components/select-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { isFiltered, NO_QUEUE_FILTER, type QueueFilter } from '../lib/queue.ts'

const ACTIVE_STATUSES = INCIDENT_STATUSES.filter(isActive)

/** Narrow the queue by priority, state and area. New alarms outside the filter still sound. */
export function QueueFilters ({ filter, areas, onChange }: { filter: QueueFilter, areas: Array<{ id: string, name: string }>, onChange: (filter: QueueFilter) => void }) {
  const { t, tOr } = useI18n()
  const all = { value: 'all', label: t('devices.filter.all') }
  return (
    <form className='filters filters--compact' role='search' aria-label={t('queue.filter.label')} onSubmit={(e) => { e.preventDefault() }} data-testid='queue-filters'>
      <SelectField
        label={t('queue.col.priority')}
        value={filter.priority}
        options={PRIORITIES.map((p) => ({ value: p, label: `${p} ${t(`priority.${p}`)}` }))}
        placeholder={all}
        onChange={(v) => { onChange({ ...filter, priority: v as Priority | 'all' }) }}
        testId='queue-filter-priority'
      />
      <SelectField
        label={t('queue.col.status')}
        value={filter.status}
        options={ACTIVE_STATUSES.map((s) => ({ value: s, label: tOr('status.', s) }))}
        placeholder={all}
        onChange={(v) => { onChange({ ...filter, status: v as IncidentStatus | 'all' }) }}
        testId='queue-filter-status'
      />
      <SelectField
        label={t('queue.filter.area')}
        value={filter.areaId}
        options={areas.map((a) => ({ value: a.id, label: a.name }))}
        placeholder={all}
        onChange={(v) => { onChange({ ...filter, areaId: v }) }}
        testId='queue-filter-area'
      />
      {isFiltered(filter) && (
        <button type='button' className='button button--quiet' onClick={() => { onChange(NO_QUEUE_FILTER) }} data-testid='queue-filter-clear'>
          {t('queue.filter.clear')}
        </button>
      )}
    </form>
  )
}
