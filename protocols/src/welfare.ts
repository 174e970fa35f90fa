/** Welfare rounds (issue 17). */

/** What confirms a resident: an "I'm OK" press (`checkin` [P-3.2]), an answered call, a recorded visit or phone call. */
export const CONFIRMATION_KINDS = ['checkin', 'call', 'visit', 'phone'] as const
export type ConfirmationKind = (typeof CONFIRMATION_KINDS)[number]

// The round as the console sees it is a TypeBox schema with the other DTOs: dto.ts, WelfareRoundDto.
