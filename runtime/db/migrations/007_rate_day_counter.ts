/**
 * Rate Gate throughput (issue 6). `s` is the quoted, validated schema name.
 * Each (account, action) keeps the number of its unreleased reservations since one local midnight, so
 * a daily cap is checked without counting the day's ledger rows under the pair's lock. The ledger
 * writes it (grant, release); NULL `day_start` means "not known": the next reservation recounts.
 */
export const rateDayCounter = (s: string) => `
ALTER TABLE ${s}.rate_state
  ADD COLUMN day_start timestamptz,
  ADD COLUMN day_count integer NOT NULL DEFAULT 0;
`;
