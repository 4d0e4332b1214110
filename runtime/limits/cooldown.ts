import { q } from '../db/identifier';
import type { Queryable } from '../db/pool';

/**
 * A cooldown pauses one action of one account after the provider said "not now" (a 429 or a
 * quota error from UniPile Send). It lives in `rate_state.cooldown_until` / `cooldown_reason`; the
 * Rate Gate reads it from the pair's locked row (`usage` with `activeCooldown`) and refuses the
 * action until then. A later cooldown never shortens an earlier, longer one.
 */
export interface Cooldown {
  accountId: string;
  /** `invitation`, `message`, `inmail`, `profile_view`, `email`, `whatsapp` or a custom action. */
  action: string;
  until: Date;
  /** What caused it, e.g. UniPile's error name `limit_exceeded` or `too_many_requests`. */
  reason: string;
}

const cooldownSql = {
  record: (s: string) => `
    INSERT INTO ${q(s)}.rate_state AS r (account_id, action, cooldown_until, cooldown_reason)
    SELECT x.account_id, x.action, x.until, x.reason
      FROM jsonb_to_recordset($1::jsonb) AS x(account_id text, action text, until timestamptz, reason text)
     ORDER BY 1, 2 -- the order reservations lock pairs in, so the two never deadlock
    ON CONFLICT (account_id, action) DO UPDATE SET
      cooldown_reason = CASE WHEN r.cooldown_until IS NULL OR r.cooldown_until < EXCLUDED.cooldown_until
                             THEN EXCLUDED.cooldown_reason ELSE r.cooldown_reason END,
      cooldown_until = GREATEST(r.cooldown_until, EXCLUDED.cooldown_until),
      updated_at = now()`,

  active: (s: string) => `
    SELECT cooldown_until, cooldown_reason FROM ${q(s)}.rate_state
     WHERE account_id = $1 AND action = $2 AND cooldown_until > $3`,
};

/** Records cooldowns in one statement; for one (account, action) the latest end wins. */
export async function recordCooldowns(db: Queryable, schema: string, cooldowns: Cooldown[]): Promise<void> {
  if (cooldowns.length === 0) return;
  const latest = new Map<string, Cooldown>();
  for (const c of cooldowns) {
    const key = `${c.accountId}\u0000${c.action}`;
    const seen = latest.get(key);
    if (!seen || seen.until < c.until) latest.set(key, c);
  }
  const rows = [...latest.values()].map((c) => ({ account_id: c.accountId, action: c.action, until: c.until.toISOString(), reason: c.reason }));
  await db.query(cooldownSql.record(schema), [JSON.stringify(rows)]);
}

export function recordCooldown(db: Queryable, schema: string, cooldown: Cooldown): Promise<void> {
  return recordCooldowns(db, schema, [cooldown]);
}

/** The cooldown in force for (account, action) at `at` (default now), or null. */
export async function activeCooldown(
  db: Queryable,
  schema: string,
  key: { accountId: string; action: string; at?: Date },
): Promise<{ until: Date; reason: string | null } | null> {
  const { rows } = await db.query<{ cooldown_until: Date; cooldown_reason: string | null }>(cooldownSql.active(schema), [
    key.accountId,
    key.action,
    key.at ?? new Date(),
  ]);
  return rows[0] ? { until: rows[0].cooldown_until, reason: rows[0].cooldown_reason } : null;
}
