import type { Calendar } from '../sequences/calendar';
import type { EffectiveRule } from './policy';
import { type AccountClock, dailyCapAt, HOUR_MS } from './windows';

/** Why a reservation was refused; each is also a timeline reason code (runtime/sequences/reasons.ts). */
export const LIMIT_REASONS = ['cooldown', 'limit_weekly', 'limit_daily', 'limit_hourly', 'min_spacing', 'outside_working_hours'] as const;
export type LimitReason = (typeof LIMIT_REASONS)[number];

/**
 * What is known about one (account, action) while its row is locked. Instants are epoch ms.
 * `decide` updates it after each grant, so the items of one batch see each other.
 */
export interface LedgerState {
  /** Unreleased reservations since the earliest start of a rolling window in play (hour, week), ascending. */
  entries: number[];
  /** Unreleased reservations since each local midnight in play (the daily windows), by that midnight. */
  dayCounts: Map<number, number>;
  nextAllowedAt: number | null;
  lastActionAt: number | null;
  /** The account's first reservation of any action: day 0 of a warm-up without a configured date. */
  firstActionAt: number | null;
  cooldown: { until: number; reason: string | null } | null;
  /** Refusals so far in this call: each later one is told to come back one spacing later. */
  refusals: number;
}

export interface DecisionInput {
  rule: EffectiveRule;
  clock: AccountClock;
  /** The working calendar; null when working hours do not apply. */
  calendar: Calendar | null;
  at: number;
  /** In [0, 1): the share of `jitterSeconds` added to the spacing after a grant. */
  jitterFraction: number;
}

export type Decision =
  | { allowed: true; at: number; nextAllowedAt: number }
  | { allowed: false; reason: LimitReason; retryAt: number; limit?: number; used?: number; cooldownReason?: string | null };

interface Violation {
  reason: LimitReason;
  /** The earliest instant at which this constraint alone lets the action through. */
  clearsAt: number;
  limit?: number;
  used?: number;
}

/**
 * Grants when every constraint holds, else refuses with the constraint that clears last. Every
 * constraint only loosens as time passes (entries age out, days start over, warm-up caps grow,
 * cooldowns and spacing end), so the latest clearing instant, moved into working time, is the
 * earliest moment the action can go.
 */
export function decide(state: LedgerState, input: DecisionInput): Decision {
  const violations = violationsOf(state, input);
  if (violations.length === 0) return grant(state, input);
  // On equal clearing times the earlier one in the list (the priority order) stays the reason.
  const binding = violations.reduce((a, b) => (b.clearsAt > a.clearsAt ? b : a));
  const staggered = binding.clearsAt + state.refusals * input.rule.minSpacingSeconds * 1000;
  state.refusals += 1;
  const retryAt = input.calendar ? input.calendar.nextWorkingInstant(new Date(staggered)).getTime() : staggered;
  const { reason, limit, used } = binding;
  return reason === 'cooldown'
    ? { allowed: false, reason, retryAt, cooldownReason: state.cooldown?.reason ?? null }
    : { allowed: false, reason, retryAt, ...(limit === undefined ? {} : { limit, used }) };
}

/** Every constraint that holds the action back at `at`, in priority order. */
function violationsOf(state: LedgerState, { rule, clock, calendar, at }: DecisionInput): Violation[] {
  const found: Violation[] = [];
  if (state.cooldown && state.cooldown.until > at) found.push({ reason: 'cooldown', clearsAt: state.cooldown.until });
  if (rule.weekly !== null) {
    const inWeek = state.entries.filter((e) => e > clock.weekStart(at));
    if (inWeek.length >= rule.weekly) {
      const leaving = inWeek[inWeek.length - rule.weekly] ?? at;
      found.push({ reason: 'limit_weekly', clearsAt: clock.weekExpiry(leaving), limit: rule.weekly, used: inWeek.length });
    }
  }
  const daily = dailyCapAt(rule, clock, at, state.firstActionAt);
  if (daily !== null) {
    const dayStart = clock.dayStart(at);
    const used = state.dayCounts.get(dayStart);
    if (used === undefined) throw new Error(`rate ledger: the day from ${new Date(dayStart).toISOString()} was not counted before deciding`);
    if (used >= daily) found.push({ reason: 'limit_daily', clearsAt: clock.nextDayStart(at), limit: daily, used });
  }
  if (rule.hourly !== null) {
    const inHour = state.entries.filter((e) => e > clock.hourStart(at));
    if (inHour.length >= rule.hourly) {
      const leaving = inHour[inHour.length - rule.hourly] ?? at;
      found.push({ reason: 'limit_hourly', clearsAt: leaving + HOUR_MS, limit: rule.hourly, used: inHour.length });
    }
  }
  if (state.nextAllowedAt !== null && state.nextAllowedAt > at) found.push({ reason: 'min_spacing', clearsAt: state.nextAllowedAt });
  if (calendar && !calendar.isWorkingTime(new Date(at))) {
    found.push({ reason: 'outside_working_hours', clearsAt: calendar.nextWorkingInstant(new Date(at)).getTime() });
  }
  return found;
}

function grant(state: LedgerState, { rule, at, jitterFraction }: DecisionInput): Decision {
  const spacingMs = Math.round((rule.minSpacingSeconds + jitterFraction * rule.jitterSeconds) * 1000);
  const nextAllowedAt = at + spacingMs;
  state.entries.push(at);
  for (const [dayStart, used] of state.dayCounts) if (at >= dayStart) state.dayCounts.set(dayStart, used + 1);
  state.lastActionAt = at;
  state.nextAllowedAt = nextAllowedAt;
  state.firstActionAt ??= at;
  return { allowed: true, at, nextAllowedAt };
}
