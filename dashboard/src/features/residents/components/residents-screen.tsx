import type { ReactNode } from 'react'
import { useId, useMemo, useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { hrefFor } from '../../../lib/router.ts'
import { useResidents } from '../../../lib/registry/get-residents.ts'
import { ageFrom, matchesSearch } from '../lib/resident.ts'
import { ResidentDetail } from './resident-detail.tsx'

/** Find a resident by name, site, condition or phone digits; their card and incident history beside. */
/** `showHistory`, `showVitals`: off for roles that may not read them (responders). */
export function ResidentsScreen ({ selectedId, showHistory = true, showVitals = true, canReveal = false, canTune = false, showAssessments = false, canAssess = false, extra }: { selectedId: string | null, showHistory?: boolean, showVitals?: boolean, canReveal?: boolean, canTune?: boolean, showAssessments?: boolean, canAssess?: boolean, extra?: (residentId: string, siteId: string) => ReactNode }) {
  const { t } = useI18n()
  const residents = useResidents()
  const [query, setQuery] = useState('')
  const searchId = useId()
  const shown = useMemo(() => (residents.data ?? []).filter((r) => matchesSearch(r, query)), [residents.data, query])

  return (
    <div className='split' data-testid='residents-screen'>
      <section className='split__list' aria-labelledby='residents-title'>
        <div className='section-header'>
          <h1 id='residents-title' className='section-header__title'>
            {t('residents.title')}
            <span className='count-pill count-pill--large'>{t('queue.count', { count: shown.length })}</span>
          </h1>
        </div>
        <form role='search' className='filters' onSubmit={(e) => { e.preventDefault() }}>
          <label className='field__label' htmlFor={searchId}>{t('residents.search')}</label>
          <input id={searchId} className='field__input' type='search' value={query} data-testid='residents-search'
            placeholder={t('residents.searchPlaceholder')} onChange={(e) => { setQuery(e.target.value) }}
          />
        </form>
        {residents.error !== null && <ErrorMessage error={describeApiError(residents.error, t)} />}
        {residents.data === null
          ? residents.loading && <p className='muted' role='status'>{t('common.loading')}</p>
          : shown.length === 0
            ? <p className='empty-state'>{t('residents.empty')}</p>
            : (
              <ul className='link-list' data-testid='residents-list'>
                {shown.map((r) => {
                  const age = ageFrom(r.birthDate)
                  return (
                    <li key={r.id}>
                      <a href={hrefFor('residents', r.id)} aria-current={r.id === selectedId ? 'page' : undefined} data-testid='resident-link' data-resident-id={r.id}>
                        <strong>{r.name}</strong>
                        <span className='muted'>{age !== null ? ` · ${t('resident.age', { age })}` : ''} · {r.siteName ?? r.siteId}</span>
                      </a>
                    </li>
                  )
                })}
              </ul>
              )}
      </section>
      <section className='split__detail' aria-label={t('residents.detail')}>
        {selectedId === null
          ? <p className='empty-state'>{t('residents.pick')}</p>
          : <ResidentDetail key={selectedId} residentId={selectedId} showHistory={showHistory} showVitals={showVitals} canReveal={canReveal} canTune={canTune} showAssessments={showAssessments} canAssess={canAssess} extra={extra === undefined ? undefined : (siteId) => extra(selectedId, siteId)} />}
      </section>
    </div>
  )
}
