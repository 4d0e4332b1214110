import type { Ctx } from '../context';
import { withTransaction, type Tx } from '../db/pool';
import { type Calendar, calendarFor, fractionOf } from '../sequences/calendar';
import type { SequenceSettings } from '../sequences/settings';
import { accountCalendarOf, type AccountRow, accountZoneOf, loadAccounts } from './accounts';
import { activeCooldown } from './cooldown';
import { decide, type LedgerState, type LimitReason } from './decide';
import { accountLimitsOf, actionSchema, effectiveRule, type EffectiveRule, type LimitRule, LimitsInputError } from './policy';
import { ledgerSql } from './sql';
import { AccountClock, HOUR_MS } from './windows';

/**
 * The rate ledger (DESIGN §5 Rate Gate, docs/limits.md): a reservation for (account, action) fits
 * every window and is recorded, or is refused with a reason and the earliest time to try again.
 * Reservations of one pair are serialized on its `rate_state` row lock, in every process, so under
 * any concurrency a cap is never exceeded.
 */
export interface ReserveRequest {
  accountId: string;
  action: string;
  /** What the reservation is for (e.g. `<enrollment>:<step>`); also makes the spacing jitter repeatable. */
  reference?: string | null;
  /** The enrollment's sequence: its `limits` apply, and its calendar when the account has no working hours. */
  sequence?: { settings: SequenceSettings; contactTimezone?: string | null } | null;
  /** The most specific level (node options). */
  limits?: LimitRule;
  /** Skips the working-hours check. */
  ignoreWorkingHours?: boolean;
  /** Kept on the ledger row (e.g. enrollment id and step). */
  data?: Record<string, unknown>;
}

export type Reservation =
  | { allowed: true; reservationId: string; accountId: string; action: string; at: Date }
  | {
      allowed: false;
      accountId: string;
      action: string;
      reason: LimitReason;
      retryAt: Date;
      limit?: number;
      used?: number;
      cooldownReason?: string | null;
    };

export interface ReserveOptions {
  /** The decision instant; default: the database clock once the pair is locked. */
  at?: Date;
}

export async function reserve(ctx: Ctx, request: ReserveRequest, options: ReserveOptions = {}): Promise<Reservation> {
  const [result] = await reserveMany(ctx, [request], options);
  return result;
}

/**
 * Decides a batch: one account lookup, then one transaction per (account, action) group in which
 * the group's requests are decided in input order, seeing each other's grants. Results in input order.
 */
export async function reserveMany(ctx: Ctx, requests: ReserveRequest[], options: ReserveOptions = {}): Promise<Reservation[]> {
  if (requests.length === 0) return [];
  requests.forEach((r, i) => {
    if (!r.accountId) throw new LimitsInputError(`request ${i}: accountId is missing`);
    const action = actionSchema.safeParse(r.action);
    if (!action.success) throw new LimitsInputError(`request ${i}: ${action.error.issues[0].message} (got ${JSON.stringify(r.action)})`);
  });
  const accounts = await loadAccounts(ctx, [...new Set(requests.map((r) => r.accountId))]);
  const groups = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const key = `${r.accountId}\u0000${r.action}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const results: Reservation[] = new Array(requests.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const group = indexes.map((i) => requests[i]);
      const decided = await reserveGroup(ctx, accounts.get(group[0].accountId) ?? null, group, options);
      indexes.forEach((i, k) => (results[i] = decided[k]));
    }),
  );
  for (const r of results) ctx.metrics?.rateGateDecisions.inc({ action: r.action, outcome: r.allowed ? 'allowed' : r.reason });
  return results;
}

/** How one request is judged: its effective rule, the account's day clock and its working calendar. */
interface Plan {
  request: ReserveRequest;
  rule: EffectiveRule;
  clock: AccountClock;
  calendar: Calendar | null;
}

function planOf(account: AccountRow | null, request: ReserveRequest): Plan {
  const { accountId, action } = request;
  const accountLimits = accountLimitsOf(accountId, account?.limits)[action];
  const rule = effectiveRule(action, accountLimits, request.sequence?.settings.limits[action], request.limits);
  const working = accountCalendarOf(account) ?? (request.sequence ? calendarFor(request.sequence.settings, request.sequence.contactTimezone) : null);
  const zone = accountZoneOf(account) ?? working?.timezone ?? 'UTC';
  return { request, rule, clock: new AccountClock(zone), calendar: request.ignoreWorkingHours ? null : working };
}

async function reserveGroup(ctx: Ctx, account: AccountRow | null, group: ReserveRequest[], options: ReserveOptions): Promise<Reservation[]> {
  const plans = group.map((r) => planOf(account, r));
  const { accountId, action } = group[0];
  return withTransaction(ctx.pool, async (tx) => {
    // Read before taking the lock, to hold it shorter: a cooldown only ever starts from a provider error.
    const cooldown = await cooldownOf(tx, ctx.schema, accountId, action, options.at ?? new Date());
    const { rows } = await tx.query<{ next_allowed_at: number | null; last_action_at: number | null; now: number }>(ledgerSql.lockState(ctx.schema), [
      accountId,
      action,
    ]);
    const at = options.at?.getTime() ?? Math.floor(rows[0].now);
    const state: LedgerState = {
      entries: [],
      nextAllowedAt: rows[0].next_allowed_at,
      lastActionAt: rows[0].last_action_at,
      firstActionAt: null,
      cooldown,
      refusals: 0,
    };
    const since = earliestWindowStart(plans, at);
    if (since !== null) {
      const loaded = await tx.query<{ entries: number[]; first_action_at: number | null }>(ledgerSql.entries(ctx.schema), [accountId, action, new Date(since)]);
      state.entries = loaded.rows[0].entries;
      state.firstActionAt = loaded.rows[0].first_action_at;
    }
    const grants: Array<{ index: number; data: Record<string, unknown> }> = [];
    const decisions = plans.map((plan, index) => {
      const previous = { previousNextAllowedAt: isoOrNull(state.nextAllowedAt), previousLastActionAt: isoOrNull(state.lastActionAt) };
      const decision = decide(state, { rule: plan.rule, clock: plan.clock, calendar: plan.calendar, at, jitterFraction: jitterFractionOf(plan.request) });
      if (decision.allowed) grants.push({ index, data: { ...plan.request.data, ...previous } });
      return decision;
    });
    const ids = grants.length ? await recordGrants(ctx, tx, accountId, action, at, grants, group, state) : [];
    return decisions.map((d, index): Reservation => {
      if (!d.allowed) {
        const { allowed: _allowed, retryAt, ...refusal } = d;
        return { allowed: false, accountId, action, ...refusal, retryAt: new Date(retryAt) };
      }
      return { allowed: true, reservationId: ids[grants.findIndex((g) => g.index === index)], accountId, action, at: new Date(d.at) };
    });
  });
}

async function recordGrants(
  ctx: Ctx,
  tx: Tx,
  accountId: string,
  action: string,
  at: number,
  grants: Array<{ index: number; data: Record<string, unknown> }>,
  group: ReserveRequest[],
  state: LedgerState,
): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(ledgerSql.grant(ctx.schema), [
    accountId,
    action,
    grants.map(() => new Date(at)),
    grants.map((g) => group[g.index].reference ?? null),
    grants.map((g) => JSON.stringify(g.data)),
    new Date(state.lastActionAt!),
    new Date(state.nextAllowedAt!),
  ]);
  return rows.map((r) => r.id);
}

/** The oldest instant any capped window of the group reaches back to; null when nothing is capped. */
function earliestWindowStart(plans: Plan[], at: number): number | null {
  const starts = plans.flatMap(({ rule, clock }) => [
    rule.weekly !== null ? clock.weekStart(at) : null,
    rule.daily !== null || rule.warmup ? clock.dayStart(at) : null,
    rule.hourly !== null ? at - HOUR_MS : null,
  ]);
  const present = starts.filter((s): s is number => s !== null);
  return present.length ? Math.min(...present) : null;
}

/** With a reference the same reservation always gets the same jitter (simulate agrees); else random. */
function jitterFractionOf(r: ReserveRequest): number {
  return r.reference ? fractionOf(`${r.accountId}:${r.action}:${r.reference}`) : Math.random();
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

async function cooldownOf(tx: Tx, schema: string, accountId: string, action: string, at: Date) {
  const active = await activeCooldown(tx, schema, { accountId, action, at });
  return active ? { until: active.until.getTime(), reason: active.reason } : null;
}

/** Frees reservations whose send was skipped or failed for good. Returns the ids actually released. */
export async function releaseMany(ctx: Ctx, reservationIds: string[]): Promise<string[]> {
  const ids = reservationIds.map((id, i) => {
    if (!/^[1-9]\d{0,18}$/.test(String(id)))
      throw new LimitsInputError(`reservation ${i}: ${JSON.stringify(id)} is not a reservation id (a positive integer from a granted reservation)`);
    return String(id);
  });
  if (ids.length === 0) return [];
  const { rows } = await ctx.pool.query<{ id: string }>(ledgerSql.release(ctx.schema), [ids]);
  return rows.map((r) => r.id);
}

/** True when this call released it; false when it was unknown or already released. */
export async function release(ctx: Ctx, reservationId: string): Promise<boolean> {
  return (await releaseMany(ctx, [reservationId])).length === 1;
}
