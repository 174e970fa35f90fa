import { ErrorMessage } from '../../../components/error-message.tsx'
import { SectionedScreen } from '../../../components/sectioned-screen.tsx'
import { describeApiError } from '../../../lib/describe-api-error.ts'
import { useI18n, type MessageKey } from '../../../lib/i18n/i18n.ts'
import type { SupervisionSection } from '../../../lib/permissions.ts'
import { useAreas } from '../../../lib/registry/get-areas.ts'
import { AssessmentsDueList } from './assessments-due-list.tsx'
import { RosterList } from './roster-list.tsx'
import { StatementsList } from './statements-list.tsx'
import { TargetsEditor } from './targets-editor.tsx'
import { VisitRulesEditor } from './visit-rules-editor.tsx'

const TITLES: Record<SupervisionSection, MessageKey> = {
  targets: 'supervision.section.targets',
  rules: 'supervision.section.rules',
  statements: 'supervision.section.statements',
  due: 'supervision.section.due',
  roster: 'supervision.section.roster'
}

export interface SupervisionPermissions {
  /** PUT targets and visit rules (`target.write`) */
  canWriteTargets: boolean
  /** POST /api/statements (`statement.generate`) */
  canGenerate: boolean
}

/**
 * What the civil-affairs bureau measures an area on (issue 16), one section per
 * `#/supervision/<section>`: yearly targets, the visit rules (which groups are due a monthly
 * visit, which methods count), the kept monthly statements, the reassessments due, and the
 * roster of the residents in chosen groups (family bed, the month's visit, the latest assessment).
 * `sections`: the role's; buttons appear only where the role's capabilities allow.
 */
export function SupervisionScreen ({ section, sections, permissions }: { section: SupervisionSection, sections: readonly SupervisionSection[], permissions: SupervisionPermissions }) {
  const { t } = useI18n()
  const areas = useAreas()
  const list = areas.data ?? []
  return (
    <SectionedScreen screen='supervision' title='supervision.title' titles={TITLES} section={section} sections={sections}>
      {areas.error !== null && <ErrorMessage error={describeApiError(areas.error, t)} />}
      {areas.data === null
        ? areas.loading && <p className='muted' role='status'>{t('common.loading')}</p>
        : (
          <>
            {section === 'targets' && <TargetsEditor areas={list} canEdit={permissions.canWriteTargets} />}
            {section === 'rules' && <VisitRulesEditor areas={list} canEdit={permissions.canWriteTargets} />}
            {section === 'statements' && <StatementsList areas={list} canGenerate={permissions.canGenerate} />}
            {section === 'due' && <AssessmentsDueList areas={list} />}
            {section === 'roster' && <RosterList areas={list} />}
          </>
          )}
    </SectionedScreen>
  )
}
