import { useState } from 'react'
import { CAPACITY_LEVEL_NAMES, RESIDENT_GROUPS, VISIT_METHODS } from '@eldercare/protocols'
import { ErrorMessage } from '../../../components/error-message.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n } from '../../../lib/i18n/i18n.ts'
import type { AreaSummary } from '../../../lib/registry/get-areas.ts'
import { useMutation } from '../../../lib/use-mutation.ts'
import { deleteVisitRules, putVisitRules, useVisitRules, type VisitRules } from '../api/visit-rules.ts'
import { AreaSelect } from './area-select.tsx'

/**
 * The visit rules of an area (issue 16): which groups are due a monthly visit (探访关爱), which
 * visit methods count toward it, and from which capacity level a resident counts as 失能. Rules
 * are inherited down the area tree; the screen says whether the rule in force is the area's own,
 * inherited from an area above (named), or the installation's defaults. Administrators
 * (`target.write`) set the area's own rule, or remove it (after a confirmation) so the area
 * inherits again; the platform audits both (`area.visit_rules`, `area.visit_rules_removed`).
 */
export function VisitRulesEditor ({ areas, canEdit }: { areas: readonly AreaSummary[], canEdit: boolean }) {
  const { t, tOr, locale } = useI18n()
  const [areaId, setAreaId] = useState(areas[0]?.id ?? '')
  // Bumped when the area's own rule is removed, so the form starts again from the inherited rule.
  const [reset, setReset] = useState(0)
  const [inherited, setInherited] = useState(false)
  const rules = useVisitRules(areaId === '' ? null : areaId)
  const name = (e: { nameZh: string, nameEn: string }) => locale === 'zh-CN' ? e.nameZh : e.nameEn
  const groupName = (key: string) => { const g = RESIDENT_GROUPS.find((x) => x.key === key); return g === undefined ? key : name(g) }
  const r = rules.data
  const source = r === null
    ? null
    : r.fromAreaId === null
      ? t('supervision.rules.fromDefaults')
      : r.fromAreaId === areaId ? t('supervision.rules.own') : t('supervision.rules.inherited', { area: areas.find((a) => a.id === r.fromAreaId)?.name ?? r.fromAreaId })
  return (
    <div data-testid='visit-rules-editor'>
      <form className='filters filters--compact' onSubmit={(e) => { e.preventDefault() }}>
        <AreaSelect label={t('supervision.area')} areas={areas} value={areaId} onChange={(id) => { setAreaId(id); setInherited(false) }} testId='rules-area' />
      </form>
      {rules.error !== null && <ErrorMessage error={describeApiError(rules.error, t)} />}
      {r === null
        ? rules.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : (
          <>
            <h2 className='detail__section-title'>{t('supervision.rules.inForce')}</h2>
            <dl className='facts facts--compact' data-testid='rules-effective' data-source={r.fromAreaId === null ? 'defaults' : r.fromAreaId === areaId ? 'own' : 'inherited'}>
              <div className='facts__row'><dt>{t('supervision.rules.source')}</dt><dd data-testid='rules-source'>{source}</dd></div>
              <div className='facts__row'><dt>{t('supervision.rules.groups')}</dt><dd data-testid='rules-groups'>{r.eligibleGroups.map(groupName).join('、') || '—'}</dd></div>
              <div className='facts__row'><dt>{t('supervision.rules.methods')}</dt><dd data-testid='rules-methods'>{r.countingMethods.map((m) => tOr('visitMethod.', m)).join('、')}</dd></div>
              <div className='facts__row'><dt>{t('supervision.rules.disabledFrom')}</dt><dd>{levelLabel(r.disabledFromLevel, name)}</dd></div>
              <div className='facts__row'><dt>{t('supervision.rules.homeQuarterly')}</dt><dd data-testid='rules-home-quarterly'>{r.homeVisitEachQuarter ? t('supervision.rules.homeQuarterlyOn') : t('supervision.rules.homeQuarterlyOff')}</dd></div>
            </dl>
            {canEdit && r.fromAreaId === areaId && (
              <InheritAgain key={`inherit:${areaId}`} areaId={areaId} onDone={(next) => { rules.setData(next); setReset((n) => n + 1); setInherited(true) }} />
            )}
            {inherited && r.fromAreaId !== areaId && <p role='status' data-testid='rules-inherited'>{t('supervision.rules.inheritDone', { source: source ?? '' })}</p>}
            {canEdit && <VisitRulesForm key={`${areaId}:${reset}`} areaId={areaId} rules={r} onSaved={(next) => { rules.setData(next) }} />}
          </>
          )}
    </div>
  )
}

/**
 * "恢复继承": removes the area's own rule after a confirmation that says what follows (the areas
 * below without a rule of their own follow the inherited one too); the editor then says where the
 * rule now in force comes from.
 */
function InheritAgain ({ areaId, onDone }: { areaId: string, onDone: (r: VisitRules) => void }) {
  const { t } = useI18n()
  const [asking, setAsking] = useState(false)
  const run = useMutation(deleteVisitRules)
  async function confirm () {
    const next = await run.run(areaId)
    if (next !== null) onDone(next)
  }
  if (!asking) {
    return (
      <p>
        <button type='button' className='button' onClick={() => { setAsking(true) }} data-testid='rules-inherit'>{t('supervision.rules.inherit')}</button>
      </p>
    )
  }
  return (
    <div className='admin-form' role='alertdialog' aria-labelledby='rules-inherit-title' data-testid='rules-inherit-confirm'>
      <h2 id='rules-inherit-title' className='detail__section-title'>{t('supervision.rules.inheritConfirm')}</h2>
      <p className='muted'>{t('supervision.rules.inheritNote')}</p>
      <ErrorMessage error={run.error === null ? null : describeApiError(run.error, t)} />
      <button type='button' className='button button--danger' disabled={run.pending} onClick={() => { void confirm() }} data-testid='rules-inherit-confirm-button'>{t('supervision.rules.inherit')}</button>
      {' '}<button type='button' className='link-button' onClick={() => { setAsking(false) }} data-testid='rules-inherit-cancel'>{t('supervision.cancel')}</button>
    </div>
  )
}

function levelLabel (level: number, name: (e: { nameZh: string, nameEn: string }) => string): string {
  const e = CAPACITY_LEVEL_NAMES[level]
  return e === undefined ? String(level) : `${level} ${name(e)}`
}

function VisitRulesForm ({ areaId, rules, onSaved }: { areaId: string, rules: VisitRules, onSaved: (r: VisitRules) => void }) {
  const { t, locale } = useI18n()
  const name = (e: { nameZh: string, nameEn: string }) => locale === 'zh-CN' ? e.nameZh : e.nameEn
  const [groups, setGroups] = useState<string[]>(rules.eligibleGroups)
  const [methods, setMethods] = useState<string[]>(rules.countingMethods)
  const [level, setLevel] = useState(rules.disabledFromLevel)
  const [homeQuarterly, setHomeQuarterly] = useState(rules.homeVisitEachQuarter)
  const [saved, setSaved] = useState(false)
  const save = useMutation(putVisitRules)
  const toggle = (list: string[], key: string, on: boolean) => on ? [...list.filter((k) => k !== key), key] : list.filter((k) => k !== key)
  // Keep the vocabulary's order whatever order the boxes were ticked in.
  const ordered = (keys: readonly string[], chosen: string[]) => keys.filter((k) => chosen.includes(k))
  async function submit () {
    setSaved(false)
    const next = await save.run(areaId, { eligibleGroups: ordered(RESIDENT_GROUPS.map((g) => g.key), groups), countingMethods: ordered(VISIT_METHODS, methods), disabledFromLevel: level, homeVisitEachQuarter: homeQuarterly })
    if (next !== null) { setSaved(true); onSaved(next) }
  }
  return (
    <form className='admin-form' onSubmit={(e) => { e.preventDefault(); void submit() }} data-testid='rules-form'>
      <h2 className='detail__section-title'>{t('supervision.rules.setOwn')}</h2>
      <fieldset>
        <legend>{t('supervision.rules.groups')}</legend>
        {RESIDENT_GROUPS.map((g) => (
          <label key={g.key} className='checkbox'>
            <input type='checkbox' checked={groups.includes(g.key)} onChange={(e) => { setGroups(toggle(groups, g.key, e.target.checked)) }} data-testid={`rules-group-${g.key}`} /> {name(g)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('supervision.rules.methods')}</legend>
        {VISIT_METHODS.map((m) => (
          <label key={m} className='checkbox'>
            <input type='checkbox' checked={methods.includes(m)} onChange={(e) => { setMethods(toggle(methods, m, e.target.checked)) }} data-testid={`rules-method-${m}`} /> {t(`visitMethod.${m}`)}
          </label>
        ))}
      </fieldset>
      <label className='field'>
        <span className='field__label'>{t('supervision.rules.disabledFrom')}</span>
        <select className='field__input' value={level} onChange={(e) => { setLevel(Number(e.target.value)) }} data-testid='rules-disabled-from'>
          {[1, 2, 3, 4].map((l) => <option key={l} value={l}>{levelLabel(l, name)}</option>)}
        </select>
      </label>
      <label className='checkbox'>
        <input type='checkbox' checked={homeQuarterly} onChange={(e) => { setHomeQuarterly(e.target.checked) }} data-testid='rules-home-quarterly-switch' /> {t('supervision.rules.homeQuarterlySwitch')}
      </label>
      <p className='muted'>{t('supervision.rules.homeQuarterlyNote')}</p>
      {methods.length === 0 && <ErrorMessage error={t('supervision.rules.needMethod')} testId='rules-need-method' />}
      <ErrorMessage error={save.error === null ? null : describeApiError(save.error, t)} />
      <p className='muted'>{t('supervision.rules.auditNote')}</p>
      <button type='submit' className='button' disabled={save.pending || methods.length === 0} data-testid='rules-save'>{t('supervision.save')}</button>
      {saved && <p role='status' data-testid='rules-saved'>{t('supervision.rules.saved')}</p>}
    </form>
  )
}
