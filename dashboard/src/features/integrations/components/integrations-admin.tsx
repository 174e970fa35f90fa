import type { CreatedIntegrationDto, IntegrationAccountDto } from '@eldercare/protocols'
import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { SelectField } from '../../../components/select-field.tsx'
import { ShownOnceDialog } from '../../../components/shown-once-dialog.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { AdminForm } from '../../admin/components/admin-form.tsx'
import { createIntegration, disableIntegration, mqttFeed, useIntegrations, type NewIntegration } from '../api/integrations.ts'

const EMPTY = { name: '', username: '', areaId: '', revealNames: false, webhookUrl: '', webhookSecret: '', tokenDays: '365' }

/** What the form holds → the request, or the first problem in the user's words (checked before sending). */
export function integrationBody (form: typeof EMPTY): { body: NewIntegration } | { problem: 'required' | 'username' | 'webhookPair' | 'webhookUrl' | 'webhookSecret' | 'tokenDays' } {
  if (form.name.trim() === '' || form.areaId === '') return { problem: 'required' }
  if (!/^[A-Za-z0-9._-]{3,64}$/.test(form.username)) return { problem: 'username' }
  const url = form.webhookUrl.trim()
  const secret = form.webhookSecret
  if ((url === '') !== (secret === '')) return { problem: 'webhookPair' }
  if (url !== '' && !/^https?:\/\/\S+$/.test(url)) return { problem: 'webhookUrl' }
  if (secret !== '' && secret.length < 16) return { problem: 'webhookSecret' }
  const days = Number(form.tokenDays)
  if (!Number.isInteger(days) || days < 1 || days > 730) return { problem: 'tokenDays' }
  return { body: { name: form.name.trim(), username: form.username, areaId: form.areaId, revealNames: form.revealNames, tokenDays: days, ...(url !== '' ? { webhookUrl: url, webhookSecret: secret } : {}) } }
}

/**
 * Upper platforms (district → city → province) and their accounts (issue 16): read-only, scoped
 * to an area subtree, an API token shown once, a signed webhook and the masked MQTT feed.
 * Administrators only (`registry.write`, the routes' guard).
 */
export function IntegrationsAdmin () {
  const { t } = useI18n()
  const areas = useAreas()
  const list = useIntegrations()
  const [form, setForm] = useState(EMPTY)
  const [invalid, setInvalid] = useState<string | null>(null)
  const [created, setCreated] = useState<CreatedIntegrationDto | null>(null)
  const [confirming, setConfirming] = useState<string | null>(null)
  const [revoked, setRevoked] = useState<string | null>(null)
  const create = useMutation(createIntegration)
  const disable = useMutation(disableIntegration)
  const areaNames = new Map((areas.data ?? []).map((a) => [a.id, a.name]))
  const set = (patch: Partial<typeof EMPTY>) => { setForm({ ...form, ...patch }) }

  async function submit () {
    const checked = integrationBody(form)
    if ('problem' in checked) { setInvalid(t(`integrations.problem.${checked.problem}`)); return }
    setInvalid(null)
    const done = await create.run(checked.body)
    if (done !== null) {
      setCreated(done)
      setForm(EMPTY)
      list.reload()
    }
  }

  async function revoke (acc: IntegrationAccountDto) {
    if (confirming !== acc.id) { setConfirming(acc.id); return }
    setConfirming(null)
    if (await disable.run(acc.id) !== null) {
      setRevoked(t('integrations.revoked', { name: acc.name }))
      list.reload()
    }
  }

  return (
    <div className='admin-grid'>
      <section aria-labelledby='integrations-list-title'>
        <h2 id='integrations-list-title' className='detail__section-title'>{t('integrations.list')}</h2>
        {list.error !== null && <ErrorMessage error={describeApiError(list.error, t)} />}
        {list.data !== null && list.data.length === 0 && <p className='muted'>{t('integrations.none')}</p>}
        {(list.data ?? []).map((acc) => {
          const feed = mqttFeed(acc.username, acc.areaId)
          return (
            <article key={acc.id} className='report-card' data-testid='integration-row' data-disabled={acc.disabled}>
              <h3 className='bars__title'>{acc.name} <span className={acc.disabled ? 'tag tag--warning' : 'tag'}>{acc.disabled ? t('integrations.disabled') : t('integrations.active')}</span></h3>
              <dl className='facts facts--compact'>
                <div className='facts__row'><dt>{t('integrations.username')}</dt><dd><code>{acc.username}</code></dd></div>
                <div className='facts__row'><dt>{t('integrations.area')}</dt><dd>{areaNames.get(acc.areaId) ?? acc.areaId}</dd></div>
                <div className='facts__row'><dt>{t('integrations.names')}</dt><dd>{acc.revealNames ? t('integrations.namesShown') : t('integrations.namesMasked')}</dd></div>
                <div className='facts__row'><dt>{t('integrations.webhook')}</dt><dd>{acc.webhookUrl ?? '—'}</dd></div>
                <div className='facts__row'><dt>{t('integrations.createdAt')}</dt><dd>{acc.createdAt.slice(0, 10)}</dd></div>
              </dl>
              <details data-testid='integration-mqtt'>
                <summary>{t('integrations.mqtt')}</summary>
                <dl className='facts facts--compact'>
                  <div className='facts__row'><dt>{t('integrations.mqttClientId')}</dt><dd><code>{feed.clientId}</code></dd></div>
                  <div className='facts__row'><dt>{t('integrations.mqttUsername')}</dt><dd><code>{feed.username}</code></dd></div>
                  <div className='facts__row'><dt>{t('integrations.mqttPassword')}</dt><dd>{t('integrations.mqttPasswordIsToken')}</dd></div>
                  <div className='facts__row'><dt>{t('integrations.mqttTopic')}</dt><dd><code>{feed.topic}</code></dd></div>
                  <div className='facts__row'><dt>{t('integrations.mqttSandbox')}</dt><dd><code>{feed.sandbox}</code></dd></div>
                </dl>
              </details>
              {!acc.disabled && (
                <button type='button' className={confirming === acc.id ? 'button button--danger' : 'button'} disabled={disable.pending} onClick={() => { void revoke(acc) }} data-testid='integration-revoke'>
                  {confirming === acc.id ? t('integrations.revokeConfirm', { name: acc.name }) : t('integrations.revoke')}
                </button>
              )}
            </article>
          )
        })}
        <ErrorMessage error={disable.error === null ? null : describeApiError(disable.error, t)} />
        <p role='status' data-testid='integration-revoked'>{revoked}</p>
      </section>
      <AdminForm title={t('integrations.create')} testId='integration-form' pending={create.pending} invalid={invalid} error={create.error} done={null} onSubmit={() => { void submit() }}>
        <FormField label={t('integrations.name')}>{(id) => <input id={id} className='field__input' maxLength={100} value={form.name} onChange={(e) => { set({ name: e.target.value }) }} data-testid='integration-name' />}</FormField>
        <FormField label={t('integrations.username')}>{(id) => <input id={id} className='field__input' value={form.username} onChange={(e) => { set({ username: e.target.value }) }} data-testid='integration-username' />}</FormField>
        <SelectField
          label={t('integrations.area')} value={form.areaId}
          options={(areas.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
          placeholder={{ value: '', label: t('admin.choose') }}
          onChange={(v) => { set({ areaId: v }) }} testId='integration-area'
        />
        <label className='checkbox'><input type='checkbox' checked={form.revealNames} onChange={(e) => { set({ revealNames: e.target.checked }) }} data-testid='integration-reveal-names' />{t('integrations.revealNames')}</label>
        <FormField label={t('integrations.webhookUrl')}>{(id) => <input id={id} type='url' className='field__input' value={form.webhookUrl} onChange={(e) => { set({ webhookUrl: e.target.value }) }} data-testid='integration-webhook-url' />}</FormField>
        <FormField label={t('integrations.webhookSecret')}>{(id) => <input id={id} type='password' autoComplete='new-password' className='field__input' value={form.webhookSecret} onChange={(e) => { set({ webhookSecret: e.target.value }) }} data-testid='integration-webhook-secret' />}</FormField>
        <FormField label={t('integrations.tokenDays')}>{(id) => <input id={id} type='number' min={1} max={730} className='field__input' value={form.tokenDays} onChange={(e) => { set({ tokenDays: e.target.value }) }} />}</FormField>
      </AdminForm>
      {created !== null && <TokenDialog account={created} onClose={() => { setCreated(null) }} />}
    </div>
  )
}

/** The account's API token, shown once (the platform keeps only its hash). */
function TokenDialog ({ account, onClose }: { account: CreatedIntegrationDto, onClose: () => void }) {
  const { t } = useI18n()
  return (
    <ShownOnceDialog
      title={t('integrations.tokenTitle', { name: account.name })} warning={t('integrations.tokenWarning')}
      copyText={account.token} onClose={onClose}
      testIds={{ dialog: 'integration-token-dialog', copy: 'integration-copy-token', close: 'integration-token-close' }}
      facts={<>
        <div className='facts__row'><dt>{t('integrations.username')}</dt><dd><code>{account.username}</code></dd></div>
        <div className='facts__row'><dt>{t('integrations.token')}</dt><dd><code data-testid='integration-token'>{account.token}</code></dd></div>
        <div className='facts__row'><dt>{t('integrations.tokenExpires')}</dt><dd>{account.tokenExpiresAt.slice(0, 10)}</dd></div>
      </>}
    />
  )
}
