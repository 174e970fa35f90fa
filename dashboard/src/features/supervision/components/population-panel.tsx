import { AGE_BANDS, CAPACITY_LEVEL_NAMES, FACILITY_KINDS, FAMILY_BED_TYPES, RESIDENT_GROUPS, RESIDENT_STATUSES } from '@eldercare/protocols'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { ShareBar } from '../../../components/share-bar.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { populationParams, usePopulation } from '../api/supervision.ts'

/** A name from the shared vocabulary in the console's language. */
function useName () {
  const { locale } = useI18n()
  return (entry: { nameZh: string, nameEn: string }) => locale === 'zh-CN' ? entry.nameZh : entry.nameEn
}

/**
 * The population of an area on a date (issue 16): residents by status, group, age band and
 * capacity level; family care beds, facilities, devices; assessment coverage — each beside the
 * year's target where one is set.
 */
export function PopulationPanel ({ areaId, date }: { areaId: string | null, date: string }) {
  const { t } = useI18n()
  const name = useName()
  const pop = usePopulation(populationParams(areaId, date))
  const p = pop.data
  if (pop.error !== null) return <ErrorMessage error={describeApiError(pop.error, t)} />
  if (p === null) return pop.loading ? <p className='muted' role='status'>{t('common.loading')}</p> : null
  const rows = (entries: Array<[string, number]>) => entries.map(([label, n]) => (
    <div key={label} className='facts__row'><dt>{label}</dt><dd>{n}</dd></div>
  ))
  return (
    <div className='report-grid' data-testid='population-panel'>
      <section className='report-card' aria-labelledby='pop-people'>
        <h2 id='pop-people' className='detail__section-title'>{t('population.title', { date: p.date })}</h2>
        <dl className='facts facts--compact' data-testid='population-status'>
          {rows([[t('population.total'), p.total], ...RESIDENT_STATUSES.map((s) => [t(`population.status.${s}`), p.byStatus[s] ?? 0] as [string, number])])}
        </dl>
        <h3 className='bars__title'>{t('population.groups')}</h3>
        <dl className='facts facts--compact' data-testid='population-groups'>{rows(RESIDENT_GROUPS.map((g) => [name(g), p.byGroup[g.key] ?? 0]))}</dl>
        <h3 className='bars__title'>{t('population.ageBands')}</h3>
        <dl className='facts facts--compact'>{rows(AGE_BANDS.map((b) => [b, p.byAgeBand[b] ?? 0]))}</dl>
        <h3 className='bars__title'>{t('population.capacity')}</h3>
        <dl className='facts facts--compact'>
          {rows([...CAPACITY_LEVEL_NAMES.map((l) => [`${l.level} ${name(l)}`, p.byCapacityLevel[String(l.level)] ?? 0] as [string, number]), [t('population.unassessed'), p.byCapacityLevel.unassessed ?? 0]])}
        </dl>
      </section>
      <section className='report-card' aria-labelledby='pop-targets'>
        <h2 id='pop-targets' className='detail__section-title'>{t('population.targets')}</h2>
        <dl className='facts facts--compact' data-testid='population-beds'>
          <div className='facts__row'><dt>{t('population.familyBeds')}</dt><dd>{p.familyBeds.total}{p.targets?.familyBeds != null && ` / ${t('population.target', { value: p.targets.familyBeds })}`}</dd></div>
          {rows(FAMILY_BED_TYPES.map((b) => [name(b), p.familyBeds.byType[b.key] ?? 0]))}
        </dl>
        <ShareBar label={t('population.assessmentCoverage')} share={p.assessments.coverage} target={p.targets?.assessmentCoverage ?? undefined}
          metLabel={t('reports.met', { target: (p.targets?.assessmentCoverage ?? 0) * 100 })} missedLabel={t('reports.missed', { target: (p.targets?.assessmentCoverage ?? 0) * 100 })} testId='population-assessment-coverage'
        />
        <dl className='facts facts--compact'>
          {rows([[t('population.assessmentsDue'), p.assessments.due], [t('population.assessmentsOverdue'), p.assessments.overdue]])}
        </dl>
        <h3 className='bars__title'>{t('population.facilities')}</h3>
        <dl className='facts facts--compact'>{rows(FACILITY_KINDS.map((f) => [name(f), p.facilities[f.key] ?? 0]))}</dl>
        <dl className='facts facts--compact'>
          <div className='facts__row'><dt>{t('population.devicesPerResident')}</dt><dd>{p.devices.perResident === null ? '—' : p.devices.perResident.toFixed(2)}</dd></div>
        </dl>
      </section>
    </div>
  )
}
