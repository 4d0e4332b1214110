/**
 * Keyset pagination: a page ends at the sort key and id of its last row. Sort keys are read to the
 * microsecond, as text, so rows sharing a millisecond (a bulk enrolment) are never skipped.
 */
export interface Keyset {
  at: string;
  id: string;
}

export const sortKeySql = (expr: string) => `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sort_at`;
