import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { revealResidentField, type RevealedContact } from '../api/reveal-resident-field.ts'
import { formatPhone, telHref } from '../../../lib/phone.ts'
import { ageFrom, type Resident } from '../lib/resident.ts'
import { CareCallButton } from '../../calls/components/care-call-button.tsx'

/** What the audit entry of a reveal gives as the reason. */
const REVEAL_REASON = 'operator console'

/**
 * Who the alarm is about, at a glance: photo placeholder, age, capacity, flags, conditions,
 * medications, allergies, access notes, contacts. Phones arrive masked; `canReveal` roles may
 * show them in clear (click-to-call) and the key-safe code, each reveal audited by the platform.
 */
export function ResidentCard ({ resident, canReveal = false }: { resident: Resident, canReveal?: boolean }) {
  const { t } = useI18n()
  const age = ageFrom(resident.birthDate)
  const [phones, setPhones] = useState<{ own: string | null, contacts: RevealedContact[] } | null>(null)
  const [keySafe, setKeySafe] = useState<string | null>(null)
  const reveal = useMutation(revealResidentField)
  const contacts = phones === null ? resident.contacts : phones.contacts.map((c) => ({ name: c.name, phone: c.phone, relation: c.relation ?? undefined }))

  async function showPhones () {
    const own = await reveal.run(resident.id, 'phone', REVEAL_REASON)
    const list = await reveal.run(resident.id, 'contact-phones', REVEAL_REASON)
    if (Array.isArray(list)) setPhones({ own: typeof own === 'string' ? own : resident.phone, contacts: list as RevealedContact[] })
  }
  async function showKeySafe () {
    const code = await reveal.run(resident.id, 'key-safe-code', REVEAL_REASON)
    if (typeof code === 'string') setKeySafe(code)
  }
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
        <CareCallButton residentId={resident.id} />
        <dl className='facts facts--compact'>
          <div className='facts__row'><dt>{t('resident.birthDate')}</dt><dd>{resident.birthDate ?? '—'}</dd></div>
          <div className='facts__row'><dt>{t('resident.site')}</dt><dd>{resident.siteName ?? resident.siteId}</dd></div>
          <div className='facts__row'><dt>{t('resident.phone')}</dt><dd><PhoneLink phone={phones?.own ?? resident.phone} /></dd></div>
          <div className='facts__row'>
            <dt>{t('resident.conditions')}</dt>
            <dd>{resident.conditions.length === 0 ? '—' : resident.conditions.join('、')}</dd>
          </div>
          {resident.medications.length > 0 && <div className='facts__row'><dt>{t('resident.medications')}</dt><dd>{resident.medications.join('、')}</dd></div>}
          {resident.allergies.length > 0 && <div className='facts__row'><dt>{t('resident.allergies')}</dt><dd><strong>{resident.allergies.join('、')}</strong></dd></div>}
          {resident.accessNotes !== null && <div className='facts__row'><dt>{t('resident.accessNotes')}</dt><dd>{resident.accessNotes}</dd></div>}
          {resident.hasKeySafeCode && (
            <div className='facts__row'>
              <dt>{t('resident.keySafe')}</dt>
              <dd>
                {keySafe !== null
                  ? <strong data-testid='key-safe-code'>{keySafe}</strong>
                  : canReveal
                    ? <button type='button' className='button' disabled={reveal.pending} onClick={() => { void showKeySafe() }} data-testid='reveal-key-safe'>{t('resident.revealKeySafe')}</button>
                    : '••••'}
              </dd>
            </div>
          )}
        </dl>
        <h4 className='detail__section-title'>{t('resident.contacts')}</h4>
        {canReveal && phones === null && (resident.contacts.length > 0 || resident.phone !== null) && (
          <button type='button' className='button' disabled={reveal.pending} onClick={() => { void showPhones() }} data-testid='reveal-phones'>
            {t('resident.revealPhones')}
          </button>
        )}
        <ErrorMessage error={reveal.error === null ? null : describeApiError(reveal.error, t)} />
        {contacts.length === 0
          ? <p className='muted'>{t('resident.noContacts')}</p>
          : (
            <ul className='contact-list' data-testid='resident-contacts'>
              {contacts.map((c, i) => (
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
