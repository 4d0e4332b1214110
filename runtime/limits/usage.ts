import type { Ctx } from '../context';
import { accountsOf } from './accounts';
import { activeCooldown } from './cooldown';
import { BUILT_IN_ACTIONS, effectiveRule } from './policy';
import { ledgerSql } from './sql';
import { AccountClock, dailyCapAt } from './windows';

/** Used and remaining capacity of one window; `limit` null = no cap. */
export interface WindowUsage {
  used: number;
  limit: number | null;
  remaining: number | null;
}

export interface ActionUsage {
  action: string;
  hourly: WindowUsage;
  /** `limit` is today's cap, lowered by a warm-up ramp when one is configured. */
  daily: WindowUsage & { resetsAt: Date };
  weekly: WindowUsage;
  nextAllowedAt: Date | null;
  cooldown: { until: Date; reason: string | null } | null;
}

export interface AccountUsage {
  accountId: string;
  /** The zone of the account's days. */
  timezone: string;
  at: Date;
  actions: ActionUsage[];
}

/**
 * The rate ledger of one account as `/api/v1/accounts/:id/usage` shows it: per action, used and
 * remaining in the hourly, daily and weekly windows (the same windows and caps a reservation uses,
 * with the account's own limits; a sequence or node may tighten them further).
 */
export async function usage(ctx: Ctx, accountId: string, options: { at?: Date } = {}): Promise<AccountUsage> {
  const at = (options.at ?? new Date()).getTime();
  const account = (await accountsOf(ctx, [accountId])).get(accountId)!;
  const limits = account.limits();
  const clock = AccountClock.in(account.zone() ?? 'UTC');
  const [counts, states, first] = await Promise.all([
    ctx.pool.query<{ action: string; hour: number; day: number; week: number }>(ledgerSql.usage(ctx.schema), [
      accountId,
      new Date(clock.hourStart(at)),
      new Date(clock.dayStart(at)),
      new Date(clock.weekStart(at)),
    ]),
    ctx.pool.query<{ action: string; next_allowed_at: Date | null }>(ledgerSql.states(ctx.schema), [accountId]),
    ctx.pool.query<{ first_action_at: number | null }>(ledgerSql.firstAction(ctx.schema), [accountId]),
  ]);
  const countOf = new Map(counts.rows.map((r) => [r.action, r]));
  const stateOf = new Map(states.rows.map((r) => [r.action, r]));
  const actions = [...new Set([...BUILT_IN_ACTIONS, ...Object.keys(limits), ...countOf.keys(), ...stateOf.keys()])];
  return {
    accountId,
    timezone: clock.zone,
    at: new Date(at),
    actions: await Promise.all(
      actions.map(async (action): Promise<ActionUsage> => {
        const rule = effectiveRule(action, limits[action]);
        const used = countOf.get(action) ?? { hour: 0, day: 0, week: 0 };
        const nextAllowedAt = stateOf.get(action)?.next_allowed_at ?? null;
        return {
          action,
          hourly: windowUsage(used.hour, rule.hourly),
          daily: { ...windowUsage(used.day, dailyCapAt(rule, clock, at, first.rows[0]?.first_action_at ?? null)), resetsAt: new Date(clock.nextDayStart(at)) },
          weekly: windowUsage(used.week, rule.weekly),
          nextAllowedAt: nextAllowedAt && nextAllowedAt.getTime() > at ? nextAllowedAt : null,
          cooldown: await activeCooldown(ctx.pool, ctx.schema, { accountId, action, at: new Date(at) }),
        };
      }),
    ),
  };
}

const windowUsage = (used: number, limit: number | null): WindowUsage => ({ used, limit, remaining: limit === null ? null : Math.max(0, limit - used) });
