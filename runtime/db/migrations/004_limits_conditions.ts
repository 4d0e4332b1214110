/**
 * Rate Gate (issue 6). `s` is the quoted, validated schema name.
 */
export const rateLedgerWarmup = (s: string) => `
-- Day 0 of a warm-up ramp: the account's first reservation of any action.
CREATE INDEX rate_ledger_account_first_idx ON ${s}.rate_ledger (account_id, reserved_at);
`;
