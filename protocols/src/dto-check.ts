/**
 * Checks of the DTO schemas in dto.ts, for what arrives over the network: the console admits an
 * incident, a device status or a resident only when it has the contract's shape, and drops (and
 * logs) anything else rather than crash an operator's screen. TypeBox's interpreting checker
 * (`Value`), not its compiler: the compiler builds code with `new Function`, which the console's
 * Content-Security-Policy forbids (no 'unsafe-eval', issue 13); these payloads are small.
 */
import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import {
  AccountDto, AreaDto, AssessmentDueDto, CandidateDto, CreatedIntegrationDto, DailyCheckinPlanDto, DeviceDto, DeviceStatusDto,
  IncidentDetailDto, IncidentDto, IncidentEscalatedDto, IntegrationAccountDto, LoginResponse, OverdueVisitsDto, ResidentDto,
  ResponderDto, RosterDto, SiteDto, StatementSummaryDto, StatusChangeDto, StatusHistoryDto, SuggestedStatusDto, TargetsDto,
  TargetsTreeDto, VisitCoverageDto, VisitDto, VisitRulesDto, WelfareRoundDto, WelfareRoundSummaryDto
} from './dto.ts'
import { CallListDto, CallSettingsDto } from './rtc.ts'

/** `Date#toISOString` and other RFC 3339 times with a zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i

export interface DtoCheck<T> {
  (value: unknown): value is T
  /** The first way `value` breaks the schema, as `/path: message`, or null when it keeps it. */
  problem: (value: unknown) => string | null
}

function dtoCheck<S extends TSchema> (schema: S): DtoCheck<Static<S>> {
  const ready = () => {
    if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => ISO_TIME.test(v) && !Number.isNaN(Date.parse(v)))
  }
  const check = ((value: unknown) => { ready(); return Value.Check(schema, value) }) as DtoCheck<Static<S>>
  check.problem = (value) => {
    ready()
    const first = Value.Errors(schema, value).First()
    return first === undefined ? null : `${first.path || '/'}: ${first.message}`
  }
  return check
}

export const isIncidentDto = dtoCheck(IncidentDto)
export const isIncidentDetailDto = dtoCheck(IncidentDetailDto)
export const isIncidentEscalatedDto = dtoCheck(IncidentEscalatedDto)
export const isDeviceStatusDto = dtoCheck(DeviceStatusDto)
export const isDeviceDto = dtoCheck(DeviceDto)
export const isResidentDto = dtoCheck(ResidentDto)
export const isLoginResponse = dtoCheck(LoginResponse)
export const isTargetsDto = dtoCheck(TargetsDto)
export const isTargetsTreeDto = dtoCheck(TargetsTreeDto)
export const isRosterDto = dtoCheck(RosterDto)
export const isVisitRulesDto = dtoCheck(VisitRulesDto)
export const isStatementSummaryDto = dtoCheck(StatementSummaryDto)
export const isAssessmentDueDto = dtoCheck(AssessmentDueDto)
export const isDailyCheckinPlanDto = dtoCheck(DailyCheckinPlanDto)
export const isCallListDto = dtoCheck(CallListDto)
export const isCallSettingsDto = dtoCheck(CallSettingsDto)
export const isSiteDto = dtoCheck(SiteDto)
export const isStatusHistoryDto = dtoCheck(StatusHistoryDto)
export const isStatusChangeDto = dtoCheck(StatusChangeDto)
export const isSuggestedStatusDto = dtoCheck(SuggestedStatusDto)
export const isIntegrationAccountDto = dtoCheck(IntegrationAccountDto)
export const isCreatedIntegrationDto = dtoCheck(CreatedIntegrationDto)
export const isAreaDto = dtoCheck(AreaDto)
export const isAccountDto = dtoCheck(AccountDto)
export const isResponderDto = dtoCheck(ResponderDto)
export const isCandidateDto = dtoCheck(CandidateDto)
export const isVisitDto = dtoCheck(VisitDto)
export const isOverdueVisitsDto = dtoCheck(OverdueVisitsDto)
export const isVisitCoverageDto = dtoCheck(VisitCoverageDto)
export const isWelfareRoundSummaryDto = dtoCheck(WelfareRoundSummaryDto)
export const isWelfareRoundDto = dtoCheck(WelfareRoundDto)
