import { ROLES, type Role, type UserDto } from '@eldercare/protocols'
import { useState } from 'react'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { FormField } from '../../../components/form-field.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { SelectField } from '../../../components/select-field.tsx'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { createUser } from '../api/create-user.ts'
import { useUsers } from '../api/get-users.ts'
import { AdminForm } from './admin-form.tsx'

/** The accounts of the administrator's area, and a form to create operators, supervisors and the rest, each scoped to an area. */
export function UsersAdmin () {
  const { t, tOr } = useI18n()
  const areas = useAreas()
  const [form, setForm] = useState({ username: '', password: '', role: 'operator' as Role, areaId: '', displayName: '' })
  const [invalid, setInvalid] = useState<string | null>(null)
  const [created, setCreated] = useState<UserDto[]>([])
  const mutation = useMutation(createUser)
  const users = useUsers()

  async function submit () {
    if (!/^[A-Za-z0-9._-]{3,64}$/.test(form.username) || form.areaId === '') { setInvalid(t('admin.users.badUsername')); return }
    if (form.password.length < 8) { setInvalid(t('admin.users.shortPassword')); return }
    setInvalid(null)
    const user = await mutation.run({ username: form.username, password: form.password, role: form.role, areaId: form.areaId, ...(form.displayName.trim() !== '' ? { displayName: form.displayName.trim() } : {}) })
    if (user !== null) {
      setCreated([user, ...created])
      users.reload()
      setForm({ ...form, username: '', password: '', displayName: '' })
    }
  }

  return (
    <div className='admin-grid'>
      <AdminForm title={t('admin.users.create')} testId='user-form' pending={mutation.pending} invalid={invalid} error={mutation.error}
        done={created[0] === undefined ? null : t('admin.created', { name: created[0].username })} onSubmit={() => { void submit() }}
      >
        <FormField label={t('login.username')}>{(id) => <input id={id} className='field__input' autoComplete='off' value={form.username} onChange={(e) => { setForm({ ...form, username: e.target.value }) }} data-testid='user-username' />}</FormField>
        <FormField label={t('admin.users.displayName')}>{(id) => <input id={id} className='field__input' value={form.displayName} onChange={(e) => { setForm({ ...form, displayName: e.target.value }) }} />}</FormField>
        <FormField label={t('login.password')} hint={t('admin.users.passwordHint')}>{(id) => <input id={id} type='password' autoComplete='new-password' className='field__input' value={form.password} onChange={(e) => { setForm({ ...form, password: e.target.value }) }} data-testid='user-password' />}</FormField>
        <SelectField
          label={t('admin.users.role')}
          value={form.role}
          options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))}
          onChange={(v) => { setForm({ ...form, role: v as Role }) }}
          testId='user-role'
        />
        <SelectField
          label={t('admin.users.area')}
          value={form.areaId}
          options={(areas.data ?? []).map((a) => ({ value: a.id, label: `${'　'.repeat(a.depth)}${a.name}（${tOr('areaLevel.', a.level)}）` }))}
          placeholder={{ value: '', label: t('admin.choose') }}
          onChange={(v) => { setForm({ ...form, areaId: v }) }}
          testId='user-area'
        />
      </AdminForm>
      <section aria-labelledby='users-list-title'>
        <h2 id='users-list-title' className='detail__section-title'>{t('admin.users.list')}</h2>
        {users.error !== null && <ErrorMessage error={describeApiError(users.error, t)} />}
        <table className='table' data-testid='users-list'>
          <thead>
            <tr><th scope='col'>{t('login.username')}</th><th scope='col'>{t('admin.users.displayName')}</th><th scope='col'>{t('admin.users.role')}</th><th scope='col'>{t('admin.users.area')}</th><th scope='col'>{t('admin.users.state')}</th></tr>
          </thead>
          <tbody>
            {(users.data ?? []).map((u) => (
              <tr key={u.id} data-testid='user-row' data-username={u.username}>
                <td>{u.username}</td><td>{u.displayName ?? '—'}</td><td>{t(`role.${u.role}`)}</td><td>{u.areaName ?? u.areaId}</td>
                <td>{u.disabled ? t('admin.users.disabled') : t('admin.users.enabled')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  )
}
