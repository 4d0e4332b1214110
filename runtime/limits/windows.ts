import { DAY_MS, dayOf, WallClock } from '../sequences/wallclock';
import type { EffectiveRule } from './policy';

/**
 * The three counting windows of a reservation at instant `at`, in the account's zone:
 * - hour: the rolling 60 minutes before `at`;
 * - day: since the account-local midnight (DST-safe: a local day may last 23 or 25 hours);
 * - week: rolling 7 days, i.e. since the same wall-clock time 7 local days ago, so an action taken on
 *   Monday 10:00 stops counting on the next Monday at 10:00 local, whatever DST did in between.
 * Instants are epoch milliseconds. An entry counts in a window when it is after its start
 * (the day's midnight itself counts for that day).
 */
export const HOUR_MS = 3_600_000;
const WEEK_DAYS = 7;

export class AccountClock {
  private static readonly byZone = new Map<string, AccountClock>();
  private readonly clock: WallClock;
  /** Zone lookups are the costly part, and every decision of a batch asks about the same instant. */
  private readonly lastAnswer = new Map<'day' | 'nextDay' | 'week', { at: number; value: number }>();

  private constructor(readonly zone: string) {
    this.clock = new WallClock(zone);
  }

  /** The one clock of a zone (there are a few hundred zones at most). */
  static in(zone: string): AccountClock {
    let clock = AccountClock.byZone.get(zone);
    if (!clock) AccountClock.byZone.set(zone, (clock = new AccountClock(zone)));
    return clock;
  }

  hourStart(at: number): number {
    return at - HOUR_MS;
  }

  dayStart(at: number): number {
    return this.remember('day', at, () => this.clock.resolve(dayOf(this.clock.local(at)), 'first'));
  }

  /** The next local midnight: when the daily window starts over. */
  nextDayStart(at: number): number {
    return this.remember('nextDay', at, () => this.clock.resolve(dayOf(this.clock.local(at)) + DAY_MS, 'first'));
  }

  weekStart(at: number): number {
    return this.remember('week', at, () => this.clock.resolve(this.clock.local(at) - WEEK_DAYS * DAY_MS, 'first'));
  }

  /** The first instant at which an entry made at `entry` no longer counts in the weekly window. */
  weekExpiry(entry: number): number {
    let t = this.clock.resolve(this.clock.local(entry) + WEEK_DAYS * DAY_MS, 'first');
    // Around a DST change the wall-clock arithmetic can land an hour short; step until it has left.
    while (this.weekStart(t) < entry) t += entry - this.weekStart(t);
    return t;
  }

  private remember(question: 'day' | 'nextDay' | 'week', at: number, compute: () => number): number {
    const last = this.lastAnswer.get(question);
    if (last?.at === at) return last.value;
    const value = compute();
    this.lastAnswer.set(question, { at, value });
    return value;
  }

  /** Local day number (days since 1970-01-01 local) of an instant. */
  localDayNumber(at: number): number {
    return Math.floor(this.clock.local(at) / DAY_MS);
  }
}

/** Day number of a `YYYY-MM-DD` local date. */
export function dayNumberOfDate(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/**
 * The daily cap on the local day of `at`: the configured daily cap, or lower while warming up
 * (`start` on day 0, `+increment` per local day since).
 */
export function dailyCapAt(rule: EffectiveRule, clock: AccountClock, at: number, firstActionAt: number | null): number | null {
  if (!rule.warmup) return rule.daily;
  const { start, increment, from } = rule.warmup;
  const day0 = from ? dayNumberOfDate(from) : clock.localDayNumber(firstActionAt ?? at);
  const days = Math.max(0, clock.localDayNumber(at) - day0);
  const ramp = start + increment * days;
  return rule.daily === null ? ramp : Math.min(rule.daily, ramp);
}
