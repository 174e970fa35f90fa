/** Welfare rounds (issue 17): the operator-facing shape of a round (`GET /api/welfare-rounds/:id`). */

/** What confirms a resident: an "I'm OK" press (`checkin` [P-3.2]), an answered call, a recorded visit or phone call. */
export const CONFIRMATION_KINDS = ['checkin', 'call', 'visit', 'phone'] as const
export type ConfirmationKind = (typeof CONFIRMATION_KINDS)[number]

export interface WelfareRoundDto {
  id: string
  areaId: string
  message: string
  deadline: string
  onUnconfirmed: 'incident' | 'visit'
  status: 'running' | 'closed'
  startedBy: string | null
  startedAt: string
  closedAt: string | null
  total: number
  confirmed: number
  unconfirmed: number
  byKind: Record<ConfirmationKind, number>
  /** the message: devices asked to speak it, and those that acknowledged */
  speak: { devices: number, sent: number, acked: number }
  byCommunity: Array<{ areaId: string, name: string, total: number, confirmed: number }>
  /** the residents not yet confirmed (all of them: nobody may be forgotten) */
  unconfirmedResidents: Array<{ residentId: string, name: string, communityId: string, incidentId: string | null, visitId: string | null }>
  /** what the deadline raised */
  incidents: number
  visitTasks: number
}
