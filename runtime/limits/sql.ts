import { q } from '../db/identifier';

/** Statements of the rate ledger (`rate_ledger`, `rate_state`). Instants go in as timestamptz and come back as epoch ms. */
const EPOCH_MS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
/** The account's first reservation of any action ($1 = account): day 0 of a warm-up without a date. */
const FIRST_ACTION = (s: string) => `SELECT ${EPOCH_MS('min(reserved_at)')} FROM ${q(s)}.rate_ledger WHERE account_id = $1`;

export const ledgerSql = {
  accounts: (s: string) => `
    SELECT id, timezone, working_hours, limits FROM ${q(s)}.accounts WHERE id = ANY($1::text[])`,

  /**
   * Creates the (account, action) row if needed and locks it until the transaction ends: every
   * reservation for that pair, in any process, waits here, so counting and recording happen alone.
   * `clock_timestamp()` is read after the lock is granted: the one clock every process agrees on.
   */
  lockState: (s: string) => `
    INSERT INTO ${q(s)}.rate_state (account_id, action) VALUES ($1, $2)
    ON CONFLICT (account_id, action) DO UPDATE SET account_id = EXCLUDED.account_id
    RETURNING ${EPOCH_MS('next_allowed_at')} AS next_allowed_at, ${EPOCH_MS('last_action_at')} AS last_action_at,
              ${EPOCH_MS('clock_timestamp()')} AS now`,

  /**
   * A separate statement after the lock, so its snapshot sees every reservation committed before
   * the lock was granted (READ COMMITTED, Postgres' default). Entries since $3 (the earliest window start in play), ascending.
   */
  entries: (s: string) => `
    SELECT COALESCE((SELECT array_agg(${EPOCH_MS('reserved_at')} ORDER BY reserved_at)
                       FROM ${q(s)}.rate_ledger
                      WHERE account_id = $1 AND action = $2 AND released_at IS NULL AND reserved_at > $3::timestamptz),
                    '{}') AS entries,
           (${FIRST_ACTION(s)}) AS first_action_at`,

  /** Records the grants of a batch (in order, so ids ascend with it) and the pair's new spacing. */
  grant: (s: string) => `
    WITH granted AS (
      INSERT INTO ${q(s)}.rate_ledger (account_id, action, reserved_at, reference, data)
      SELECT $1, $2, x.at, x.reference, x.data
        FROM unnest($3::timestamptz[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS x(at, reference, data, ord)
       ORDER BY x.ord
      RETURNING id
    ), state AS (
      UPDATE ${q(s)}.rate_state SET last_action_at = $6::timestamptz, next_allowed_at = $7::timestamptz, updated_at = now()
       WHERE account_id = $1 AND action = $2
    )
    SELECT id::text FROM granted ORDER BY id`,

  /**
   * Releases reservations; when a released one was the pair's latest grant, the spacing it imposed is
   * undone too (a skipped send did not touch the provider).
   */
  release: (s: string) => `
    WITH released AS (
      UPDATE ${q(s)}.rate_ledger SET released_at = now()
       WHERE id = ANY($1::bigint[]) AND released_at IS NULL
      RETURNING id, account_id, action, reserved_at, data
    ), rewound AS (
      UPDATE ${q(s)}.rate_state st
         SET last_action_at = (r.data->>'previousLastActionAt')::timestamptz,
             next_allowed_at = (r.data->>'previousNextAllowedAt')::timestamptz,
             updated_at = now()
        FROM released r
       WHERE st.account_id = r.account_id AND st.action = r.action AND st.last_action_at = r.reserved_at
    )
    SELECT id::text, account_id, action FROM released ORDER BY id`,

  /** Per action: unreleased reservations in each window (same bounds as a reservation's), since $2..$4. */
  usage: (s: string) => `
    SELECT action,
           count(*) FILTER (WHERE reserved_at > $2::timestamptz)::int AS hour,
           count(*) FILTER (WHERE reserved_at >= $3::timestamptz)::int AS day,
           count(*) FILTER (WHERE reserved_at > $4::timestamptz)::int AS week
      FROM ${q(s)}.rate_ledger
     WHERE account_id = $1 AND released_at IS NULL AND reserved_at >= least($2::timestamptz, $3::timestamptz, $4::timestamptz)
     GROUP BY action`,

  states: (s: string) => `
    SELECT action, next_allowed_at FROM ${q(s)}.rate_state WHERE account_id = $1`,

  /** For gating a step: the enrollment's account, its sequence's settings and the contact's zone. */
  enrollmentPacing: (s: string) => `
    SELECT e.id, e.account_id, sq.settings, c.timezone AS contact_timezone
      FROM ${q(s)}.enrollments e
      JOIN ${q(s)}.sequences sq ON sq.id = e.sequence_id
      JOIN ${q(s)}.contacts c ON c.id = e.contact_id
     WHERE e.id = ANY($1::uuid[])`,

  firstAction: (s: string) => `SELECT (${FIRST_ACTION(s)}) AS first_action_at`,
};
