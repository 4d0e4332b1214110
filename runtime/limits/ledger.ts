import type { Pool } from 'pg';
import type { Ctx } from '../context';
import { withTransaction, type Tx } from '../db/pool';
import { type Calendar, calendarFor, fractionOf } from '../sequences/calendar';
import type { SequenceSettings } from '../sequences/settings';
import { accountsOf, type LedgerAccount } from './accounts';
import { Coalescer } from './coalescer';
import { decide, type LedgerState, type LimitReason } from './decide';
import { actionSchema, effectiveRule, type EffectiveRule, type LimitRule, LimitsInputError } from './policy';
import { ledgerSql, prepared } from './sql';
import { AccountClock } from './windows';

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
 * Decides a batch; results in input order. Concurrent calls of this process share transactions
 * (`Coalescer`): one transaction locks the pairs of its requests, decides each pair's requests in
 * arrival order — a call's own in input order, each seeing the grants before it — and records the
 * grants, in four statements (BEGIN, lock, record, COMMIT) plus one when a window must be counted.
 */
export async function reserveMany(ctx: Ctx, requests: ReserveRequest[], options: ReserveOptions = {}): Promise<Reservation[]> {
  if (requests.length === 0) return [];
  requests.forEach((r, i) => {
    if (!r.accountId) throw new LimitsInputError(`request ${i}: accountId is missing`);
    const action = actionSchema.safeParse(r.action);
    if (!action.success) throw new LimitsInputError(`request ${i}: ${action.error.issues[0].message} (got ${JSON.stringify(r.action)})`);
  });
  const accounts = await accountsOf(
    ctx,
    requests.map((r) => r.accountId),
  );
  const call = ++calls;
  const plans = requests.map((r) => planOf(accounts.get(r.accountId)!, r, call));
  const results = await coalescerFor(ctx, options.at).submit(plans);
  for (const r of results) ctx.metrics?.rateGateDecisions.inc({ action: r.action, outcome: r.allowed ? 'allowed' : r.reason });
  return results;
}

/** Numbers the calls of this process, so a batch knows where each call's requests start. */
let calls = 0;

/** How one request is judged: its effective rule, the account's day clock and its working calendar. */
interface Plan {
  request: ReserveRequest;
  call: number;
  rule: EffectiveRule;
  clock: AccountClock;
  calendar: Calendar | null;
}

function planOf(account: LedgerAccount, request: ReserveRequest, call: number): Plan {
  const { action } = request;
  const rule = effectiveRule(action, account.limits()[action], request.sequence?.settings.limits[action], request.limits);
  const working = account.calendar() ?? (request.sequence ? calendarFor(request.sequence.settings, request.sequence.contactTimezone) : null);
  const zone = account.zone() ?? working?.timezone ?? 'UTC';
  return { request, call, rule, clock: AccountClock.in(zone), calendar: request.ignoreWorkingHours ? null : working };
}

const pairKey = (accountId: string, action: string) => `${accountId}\u0000${action}`;
const pairKeyOf = ({ request }: Plan) => pairKey(request.accountId, request.action);

/**
 * Batches of one process running at once, each on its own connection. Two let a batch start while
 * another waits for a pair locked elsewhere, and still gather many requests per batch.
 */
const BATCHES_IN_FLIGHT = 2;

/** Per pool, per schema and decision instant (`at` given or the database clock). */
const coalescers = new WeakMap<Pool, Map<string, Coalescer<Plan, Reservation>>>();

function coalescerFor({ pool, schema }: Ctx, at: Date | undefined): Coalescer<Plan, Reservation> {
  let bySchema = coalescers.get(pool);
  if (!bySchema) coalescers.set(pool, (bySchema = new Map()));
  const key = `${schema}\u0000${at?.getTime() ?? 'now'}`;
  let coalescer = bySchema.get(key);
  if (!coalescer) {
    const created = new Coalescer(
      (plans: Plan[]) => decideBatch(pool, schema, plans, at),
      pairKeyOf,
      BATCHES_IN_FLIGHT,
      () => {
        if (bySchema.get(key) === created) bySchema.delete(key);
      },
    );
    bySchema.set(key, (coalescer = created));
  }
  return coalescer;
}

/** One (account, action) of a batch, while its row is locked. */
interface Pair {
  accountId: string;
  action: string;
  plans: Plan[];
  state: LedgerState;
  /** The day counter as read, so only a change is written back. */
  storedDay: { start: number | null; count: number };
  /** The call whose requests are being decided: refusals are staggered within a call, as if it were alone. */
  call: number | null;
}

interface StateRow {
  account_id: string;
  action: string;
  next_allowed_at: number | null;
  last_action_at: number | null;
  cooldown_until: number | null;
  cooldown_reason: string | null;
  day_start: number | null;
  day_count: number;
  now: number;
}

async function decideBatch(pool: Pool, schema: string, plans: Plan[], at: Date | undefined): Promise<Reservation[]> {
  return withTransaction(pool, async (tx) => {
    const { pairs, instant } = await lockPairs(tx, schema, plans, at);
    await countWindows(tx, schema, [...pairs.values()], instant);
    const decided = plans.map((plan) => {
      const pair = pairs.get(pairKeyOf(plan))!;
      if (pair.call !== plan.call) [pair.call, pair.state.refusals] = [plan.call, 0];
      const { state } = pair;
      const previous = { previousNextAllowedAt: isoOrNull(state.nextAllowedAt), previousLastActionAt: isoOrNull(state.lastActionAt) };
      const decision = decide(state, {
        rule: plan.rule,
        clock: plan.clock,
        calendar: plan.calendar,
        at: instant,
        jitterFraction: jitterFractionOf(plan.request),
      });
      return { plan, decision, previous };
    });
    const grants = decided.filter((d) => d.decision.allowed);
    const ids = await recordGrants(tx, schema, [...pairs.values()], grants, instant);
    let granted = 0;
    return decided.map(({ plan: { request }, decision: d }): Reservation => {
      const { accountId, action } = request;
      if (!d.allowed) {
        const { allowed: _allowed, retryAt, ...refusal } = d;
        return { allowed: false, accountId, action, ...refusal, retryAt: new Date(retryAt) };
      }
      return { allowed: true, reservationId: ids[granted++], accountId, action, at: new Date(d.at) };
    });
  });
}

/** Locks every pair of the batch; the decision instant is `at`, else the database clock once all are locked. */
async function lockPairs(tx: Tx, schema: string, plans: Plan[], at: Date | undefined): Promise<{ pairs: Map<string, Pair>; instant: number }> {
  const byPair = new Map<string, Plan[]>();
  for (const plan of plans) {
    const group = byPair.get(pairKeyOf(plan));
    if (group) group.push(plan);
    else byPair.set(pairKeyOf(plan), [plan]);
  }
  const first = [...byPair.values()].map((group) => group[0].request);
  const { rows } = await tx.query<StateRow>({ ...prepared(ledgerSql.lockStates(schema)), values: [first.map((r) => r.accountId), first.map((r) => r.action)] });
  const pairs = new Map<string, Pair>();
  for (const row of rows) {
    const key = pairKey(row.account_id, row.action);
    pairs.set(key, {
      accountId: row.account_id,
      action: row.action,
      plans: byPair.get(key)!,
      storedDay: { start: row.day_start, count: row.day_count },
      call: null,
      state: {
        entries: [],
        dayCounts: new Map(row.day_start === null ? [] : [[row.day_start, row.day_count]]),
        nextAllowedAt: row.next_allowed_at,
        lastActionAt: row.last_action_at,
        firstActionAt: null,
        cooldown: row.cooldown_until === null ? null : { until: row.cooldown_until, reason: row.cooldown_reason },
        refusals: 0,
      },
    });
  }
  return { pairs, instant: at?.getTime() ?? Math.floor(rows.reduce((latest, r) => Math.max(latest, r.now), 0)) };
}

type Question = { pair: Pair; kind: 'entries' | 'day' | 'first'; since: number | null };

/**
 * Loads what the locked rows do not hold, in one statement, and only what the rules in play need:
 * the entries of the capped rolling windows, the count of a local day the counter is not on, and the
 * account's first reservation for a warm-up without a start date.
 */
async function countWindows(tx: Tx, schema: string, pairs: Pair[], at: number): Promise<void> {
  const questions: Question[] = pairs.flatMap((pair) => {
    const rollingStarts = pair.plans.flatMap(({ rule, clock }) => [
      ...(rule.weekly !== null ? [clock.weekStart(at)] : []),
      ...(rule.hourly !== null ? [clock.hourStart(at)] : []),
    ]);
    const days = new Set(pair.plans.filter(({ rule }) => rule.daily !== null || rule.warmup).map(({ clock }) => clock.dayStart(at)));
    return [
      ...(rollingStarts.length ? [{ pair, kind: 'entries' as const, since: rollingStarts.reduce((a, b) => Math.min(a, b)) }] : []),
      ...[...days].filter((day) => !pair.state.dayCounts.has(day)).map((day) => ({ pair, kind: 'day' as const, since: day })),
      ...(pair.plans.some(({ rule }) => rule.warmup && !rule.warmup.from) ? [{ pair, kind: 'first' as const, since: null }] : []),
    ];
  });
  if (questions.length === 0) return;
  const { rows } = await tx.query<{ entries: number[] | null; day_count: number | null; first_action_at: number | null }>({
    ...prepared(ledgerSql.windows(schema)),
    values: [
      questions.map((q) => q.pair.accountId),
      questions.map((q) => q.pair.action),
      questions.map((q) => q.kind),
      questions.map((q) => (q.since === null ? null : new Date(q.since))),
    ],
  });
  rows.forEach((row, i) => {
    const { pair, kind, since } = questions[i];
    if (kind === 'entries') pair.state.entries = row.entries!;
    else if (kind === 'day') pair.state.dayCounts.set(since!, row.day_count!);
    else pair.state.firstActionAt = row.first_action_at;
  });
}

interface Granted {
  plan: Plan;
  previous: Record<string, string | null>;
}

/** Writes the grants, and the state of each pair that granted or counted a new day, in one statement. */
async function recordGrants(tx: Tx, schema: string, pairs: Pair[], grants: Granted[], at: number): Promise<string[]> {
  const granting = new Set(grants.map(({ plan }) => pairKeyOf(plan)));
  const changed = pairs.flatMap((pair) => {
    const day = dayCounterOf(pair.state);
    const dayChanged = day.start !== pair.storedDay.start || day.count !== pair.storedDay.count;
    return dayChanged || granting.has(pairKey(pair.accountId, pair.action)) ? [{ pair, day }] : [];
  });
  if (changed.length === 0) return [];
  const { rows } = await tx.query<{ id: string }>({
    ...prepared(ledgerSql.grant(schema)),
    values: [
      grants.map(({ plan }) => plan.request.accountId),
      grants.map(({ plan }) => plan.request.action),
      new Date(at),
      grants.map(({ plan }) => plan.request.reference ?? null),
      grants.map(({ plan, previous }) => JSON.stringify({ ...plan.request.data, ...previous })),
      changed.map(({ pair }) => pair.accountId),
      changed.map(({ pair }) => pair.action),
      changed.map(({ pair }) => dateOrNull(pair.state.lastActionAt)),
      changed.map(({ pair }) => dateOrNull(pair.state.nextAllowedAt)),
      changed.map(({ day }) => dateOrNull(day.start)),
      changed.map(({ day }) => day.count),
    ],
  });
  return rows.map((r) => r.id);
}

/** The day counter to keep: the latest local midnight counted, so the next reservation of that day counts nothing. */
function dayCounterOf(state: LedgerState): { start: number | null; count: number } {
  const start = state.dayCounts.size ? Math.max(...state.dayCounts.keys()) : null;
  return { start, count: start === null ? 0 : state.dayCounts.get(start)! };
}

/** With a reference the same reservation always gets the same jitter (simulate agrees); else random. */
function jitterFractionOf(r: ReserveRequest): number {
  return r.reference ? fractionOf(`${r.accountId}:${r.action}:${r.reference}`) : Math.random();
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const dateOrNull = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Frees reservations whose send was skipped or failed for good. Returns the ids actually released. */
export async function releaseMany(ctx: Ctx, reservationIds: string[]): Promise<string[]> {
  const ids = reservationIds.map((id, i) => {
    if (!/^[1-9]\d{0,18}$/.test(String(id)))
      throw new LimitsInputError(`reservation ${i}: ${JSON.stringify(id)} is not a reservation id (a positive integer from a granted reservation)`);
    return String(id);
  });
  if (ids.length === 0) return [];
  return withTransaction(ctx.pool, async (tx) => {
    await tx.query(ledgerSql.lockForRelease(ctx.schema), [ids]);
    const { rows } = await tx.query<{ id: string }>(ledgerSql.release(ctx.schema), [ids]);
    return rows.map((r) => r.id);
  });
}

/** True when this call released it; false when it was unknown or already released. */
export async function release(ctx: Ctx, reservationId: string): Promise<boolean> {
  return (await releaseMany(ctx, [reservationId])).length === 1;
}
