import { createHash } from 'node:crypto';
import { q } from '../db/identifier';

/** Statements of the rate ledger (`rate_ledger`, `rate_state`). Instants go in as timestamptz and come back as epoch ms. */
const EPOCH_MS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;
/** The account's first reservation of any action: day 0 of a warm-up without a date. */
const FIRST_ACTION = (s: string, account: string) => `SELECT ${EPOCH_MS('min(reserved_at)')} FROM ${q(s)}.rate_ledger WHERE account_id = ${account}`;

const names = new Map<string, string>();

/**
 * A statement of the reservation path as a named one: Postgres parses and plans it once per
 * connection instead of on every call, which more than halves its cost. The name follows the text
 * (schema included), so each text has its own.
 */
export function prepared(text: string): { name: string; text: string } {
  let name = names.get(text);
  if (!name) names.set(text, (name = `sequencer_rate_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  return { name, text };
}

export const ledgerSql = {
  accounts: (s: string) => `
    SELECT id, timezone, working_hours, limits FROM ${q(s)}.accounts WHERE id = ANY($1::text[])`,

  /**
   * Creates the (account, action) rows of a batch if needed and locks them until the transaction
   * ends: every reservation for a pair, in any process, waits here, so counting and recording happen
   * alone. Always locked in the same order, so batches sharing pairs never deadlock. Returns each
   * pair's state; `clock_timestamp()` is read once the row is locked: the one clock every process agrees on.
   */
  lockStates: (s: string) => `
    INSERT INTO ${q(s)}.rate_state (account_id, action)
    SELECT x.account_id, x.action FROM unnest($1::text[], $2::text[]) AS x(account_id, action) ORDER BY 1, 2
    ON CONFLICT (account_id, action) DO UPDATE SET account_id = EXCLUDED.account_id
    RETURNING account_id, action, ${EPOCH_MS('next_allowed_at')} AS next_allowed_at, ${EPOCH_MS('last_action_at')} AS last_action_at,
              ${EPOCH_MS('cooldown_until')} AS cooldown_until, cooldown_reason,
              ${EPOCH_MS('day_start')} AS day_start, day_count, ${EPOCH_MS('clock_timestamp()')} AS now`,

  /**
   * What the rate_state rows do not hold, one question per row ($3 = kind, $4 = since): `entries`, the
   * pair's unreleased reservations after $4, ascending (rolling windows); `day`, how many since $4
   * (a local midnight); `first`, the account's first reservation of any action. A separate statement
   * after the lock, so its snapshot sees every reservation committed before the lock was granted
   * (READ COMMITTED, Postgres' default).
   */
  windows: (s: string) => `
    SELECT CASE WHEN x.kind = 'entries' THEN
             (SELECT COALESCE(array_agg(${EPOCH_MS('l.reserved_at')} ORDER BY l.reserved_at), '{}') FROM ${q(s)}.rate_ledger l
               WHERE l.account_id = x.account_id AND l.action = x.action AND l.released_at IS NULL AND l.reserved_at > x.since) END AS entries,
           CASE WHEN x.kind = 'day' THEN
             (SELECT count(*)::int FROM ${q(s)}.rate_ledger l
               WHERE l.account_id = x.account_id AND l.action = x.action AND l.released_at IS NULL AND l.reserved_at >= x.since) END AS day_count,
           CASE WHEN x.kind = 'first' THEN
             (${FIRST_ACTION(s, 'x.account_id')}) END AS first_action_at
      FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS x(account_id, action, kind, since, ord)
     ORDER BY x.ord`,

  /**
   * Records the grants of a batch, in order (so ids ascend with it), and the new state of each pair
   * that changed: spacing, and the day counter (`day_count` reservations since `day_start`).
   */
  grant: (s: string) => `
    WITH granted AS (
      INSERT INTO ${q(s)}.rate_ledger (account_id, action, reserved_at, reference, data)
      SELECT x.account_id, x.action, $3::timestamptz, x.reference, x.data
        FROM unnest($1::text[], $2::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS x(account_id, action, reference, data, ord)
       ORDER BY x.ord
      RETURNING id
    ), state AS (
      UPDATE ${q(s)}.rate_state st
         SET last_action_at = x.last_action_at, next_allowed_at = x.next_allowed_at, day_start = x.day_start, day_count = x.day_count, updated_at = now()
        FROM unnest($6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::int[])
             AS x(account_id, action, last_action_at, next_allowed_at, day_start, day_count)
       WHERE st.account_id = x.account_id AND st.action = x.action
    )
    SELECT id::text FROM granted ORDER BY id`,

  /** Before a release: locks the pairs of these reservations in the order reservations lock them. */
  lockForRelease: (s: string) => `
    SELECT st.account_id FROM ${q(s)}.rate_state st
     WHERE (st.account_id, st.action) IN (SELECT account_id, action FROM ${q(s)}.rate_ledger WHERE id = ANY($1::bigint[]))
     ORDER BY st.account_id, st.action
       FOR UPDATE`,

  /**
   * Releases reservations: the day counter forgets them, and when a released one was the pair's latest
   * grant, the spacing it imposed is undone too (a skipped send did not touch the provider).
   */
  release: (s: string) => `
    WITH released AS (
      UPDATE ${q(s)}.rate_ledger SET released_at = now()
       WHERE id = ANY($1::bigint[]) AND released_at IS NULL
      RETURNING id, account_id, action, reserved_at, data
    ), pairs AS (
      SELECT DISTINCT account_id, action FROM released
    ), latest AS (
      SELECT DISTINCT ON (r.account_id, r.action) r.account_id, r.action, r.data
        FROM released r JOIN ${q(s)}.rate_state st ON st.account_id = r.account_id AND st.action = r.action AND st.last_action_at = r.reserved_at
       ORDER BY r.account_id, r.action, r.id DESC
    ), rewound AS (
      UPDATE ${q(s)}.rate_state st
         SET day_count = st.day_count - (SELECT count(*)::int FROM released r
                                          WHERE r.account_id = st.account_id AND r.action = st.action AND r.reserved_at >= st.day_start),
             last_action_at = CASE WHEN l.data IS NULL THEN st.last_action_at ELSE (l.data->>'previousLastActionAt')::timestamptz END,
             next_allowed_at = CASE WHEN l.data IS NULL THEN st.next_allowed_at ELSE (l.data->>'previousNextAllowedAt')::timestamptz END,
             updated_at = now()
        FROM pairs p LEFT JOIN latest l ON l.account_id = p.account_id AND l.action = p.action
       WHERE st.account_id = p.account_id AND st.action = p.action
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

  firstAction: (s: string) => `SELECT (${FIRST_ACTION(s, '$1')}) AS first_action_at`,
};
