import { useI18n } from '../../../lib/i18n/i18n.ts'
import { formatPhone, telHref } from '../../../lib/phone.ts'
import { ageFrom, type Resident } from '../lib/resident.ts'

/** Who the alarm is about, at a glance: photo placeholder, age, capacity, flags, conditions, contacts. */
export function ResidentCard ({ resident }: { resident: Resident }) {
  const { t } = useI18n()
  const age = ageFrom(resident.birthDate)
  return (
    <article className='resident-card' data-testid='resident-card' data-resident-id={resident.id} aria-label={resident.name}>
      <div className='resident-card__photo' aria-hidden='true'>{resident.name.slice(0, 1)}</div>
      <div className='resident-card__body'>
        <p className='resident-card__name'>
          <strong>{resident.name}</strong>
          {age !== null && <span data-testid='resident-age'> · {t('resident.age', { age })}</span>}
        </p>
        <ul className='tag-list'>
          {resident.capacityLevel !== null && (
            <li className={`tag tag--capacity-${resident.capacityLevel}`} data-testid='resident-capacity'>
              {t('resident.capacity', { level: resident.capacityLevel, label: t(`capacity.${resident.capacityLevel}` as 'capacity.0') })}
            </li>
          )}
          {resident.livesAlone && <li className='tag tag--warning' data-testid='resident-lives-alone'>{t('resident.livesAlone')}</li>}
        </ul>
        <dl className='facts facts--compact'>
          <div className='facts__row'><dt>{t('resident.birthDate')}</dt><dd>{resident.birthDate ?? '—'}</dd></div>
          <div className='facts__row'><dt>{t('resident.site')}</dt><dd>{resident.siteName ?? resident.siteId}</dd></div>
          <div className='facts__row'><dt>{t('resident.phone')}</dt><dd><PhoneLink phone={resident.phone} /></dd></div>
          <div className='facts__row'>
            <dt>{t('resident.conditions')}</dt>
            <dd>{resident.conditions.length === 0 ? '—' : resident.conditions.join('、')}</dd>
          </div>
        </dl>
        <h4 className='detail__section-title'>{t('resident.contacts')}</h4>
        {resident.contacts.length === 0
          ? <p className='muted'>{t('resident.noContacts')}</p>
          : (
            <ul className='contact-list' data-testid='resident-contacts'>
              {resident.contacts.map((c, i) => (
                <li key={`${c.name}-${i}`}>
                  <span>{c.name}{c.relation !== undefined && c.relation !== '' && <span className='muted'>（{c.relation}）</span>}</span>
                  <PhoneLink phone={c.phone} />
                </li>
              ))}
            </ul>
            )}
      </div>
    </article>
  )
}

/** A click-to-call link when the number is dialable; a masked number is shown, and says why it cannot be dialled. */
export function PhoneLink ({ phone }: { phone: string | null }) {
  const { t } = useI18n()
  if (phone === null || phone === '') return <>—</>
  const href = telHref(phone)
  if (href === null) {
    return <span className='phone phone--masked' title={t('resident.phoneMasked')}>{formatPhone(phone)} <span className='muted'>{t('resident.phoneMaskedShort')}</span></span>
  }
  return <a className='phone' href={href} data-testid='phone-link'>{formatPhone(phone)}</a>
}
