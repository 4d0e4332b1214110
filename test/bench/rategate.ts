import type { Ctx } from '../../runtime/context';
import { q } from '../../runtime/db/identifier';
import { reserve } from '../../runtime/limits/ledger';

/**
 * Rate Gate decisions under contention: `workers` concurrent reservers on `accounts` accounts for
 * `seconds`; then the ledger is checked against the cap (an over-grant is a grant beyond it).
 */
export async function rateGateRun(ctx: Ctx, o: { accounts: number; workers: number; seconds: number; dailyCap: number; label: string }) {
  const ids = Array.from({ length: o.accounts }, (_, i) => `${o.label}-${i}`);
  await ctx.pool.query(
    `INSERT INTO ${q(ctx.schema)}.accounts (id, provider, timezone) SELECT unnest($1::text[]), 'LINKEDIN', 'UTC' ON CONFLICT DO NOTHING`,
    [ids],
  );
  const limits = { daily: o.dailyCap, hourly: null, weekly: null, minSpacingSeconds: 0, jitterSeconds: 0 };
  let decisions = 0;
  let granted = 0;
  const deadline = Date.now() + o.seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: o.workers }, async (_, w) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const accountId = ids[(w + i) % ids.length];
        const r = await reserve(ctx, { accountId, action: 'message', limits, ignoreWorkingHours: true, reference: `${w}:${i}` });
        decisions++;
        if (r.allowed) granted++;
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  const { rows } = await ctx.pool.query<{ account_id: string; n: string }>(
    `SELECT account_id, count(*) AS n FROM ${q(ctx.schema)}.rate_ledger WHERE account_id = ANY($1) AND released_at IS NULL GROUP BY account_id`,
    [ids],
  );
  const overGrants = rows.reduce((sum, r) => sum + Math.max(0, Number(r.n) - o.dailyCap), 0);
  return { perSecond: decisions / elapsed, decisions, granted, overGrants };
}
