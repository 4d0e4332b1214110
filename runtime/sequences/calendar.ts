import { createHash } from 'node:crypto';
import { IANAZone } from 'luxon';
import type { Delay } from './delay';
import { publicHolidayDates } from './holidays';
import type { SequenceSettings } from './settings';
import { DAY_MS, dayOf, isoDateOf, type LocalDay, MINUTE_MS, parseClock, timeOfDayOf, WallClock, weekdayOf, yearOf } from './wallclock';

export { type Delay, delaySchema, delaySchemaFor, DELAY_UNITS, type DelayUnit } from './delay';

/**
 * The business-time calendar (DESIGN §6.5, docs/calendar.md). The scheduler, `simulate` and the Rate
 * Gate all ask this one class when something may happen, so they always agree.
 */
export type CalendarSettings = Pick<SequenceSettings, 'timezone' | 'useContactTimezone' | 'workingDays' | 'workingHours' | 'holidays' | 'jitterMinutes'>;

/** A working window: [start, end) as real instants. */
export interface WorkingWindow {
  start: Date;
  end: Date;
}

/** How far ahead to look for a working window before calling the settings unworkable. */
const HORIZON_DAYS = 3_660;

interface Window {
  start: number;
  end: number;
}

/**
 * Zone lookups are the calendar's main cost and every enrollment of a sequence asks about the same
 * days: window bounds per (zone, hours, day) are shared by all calendars, within a bounded cache.
 */
const resolvedWindows = new Map<string, Window | null>();
const RESOLVED_WINDOWS_MAX = 100_000;

export class Calendar {
  /** The IANA zone the working window is read in: the contact's when asked for and known. */
  readonly timezone: string;
  private readonly clock: WallClock;
  private readonly opens: number;
  private readonly closes: number;
  private readonly workingDays: ReadonlySet<number>;
  private readonly extraHolidays: ReadonlySet<string>;

  constructor(
    private readonly settings: CalendarSettings,
    contactTimezone?: string | null,
  ) {
    // A contact's zone comes from imported data: an unknown one falls back to the sequence's zone.
    const useContact = settings.useContactTimezone && !!contactTimezone && IANAZone.isValidZone(contactTimezone);
    this.timezone = useContact ? contactTimezone! : settings.timezone;
    this.clock = new WallClock(this.timezone);
    this.opens = parseClock(settings.workingHours.start);
    this.closes = parseClock(settings.workingHours.end);
    this.workingDays = new Set(settings.workingDays);
    this.extraHolidays = new Set(settings.holidays.dates);
  }

  /**
   * When a step waiting `delay` after `from` is due. Never earlier than `from`, always inside a working
   * window. With a `jitterKey` (e.g. `${enrollmentId}:${step}`) the time moves later by up to
   * `jitterMinutes`, the same amount for the same key, and stays inside the same window.
   */
  add(from: Date, delay: Delay, jitterKey?: string): Date {
    const due = this.due(instantOf(from), delay);
    return new Date(jitterKey ? this.jitter(due, jitterKey) : due);
  }

  /** `from` itself when it is working time, otherwise the opening of the next working window. */
  nextWorkingInstant(from: Date): Date {
    return new Date(this.nextWorking(instantOf(from)));
  }

  isWorkingTime(at: Date): boolean {
    const t = instantOf(at);
    const window = this.windowOn(this.dayOf(t));
    return !!window && window.start <= t && t < window.end;
  }

  /** The working window that contains `at`, or else the next one. */
  window(at: Date): WorkingWindow {
    const { start, end } = this.windowFrom(instantOf(at));
    return { start: new Date(start), end: new Date(end) };
  }

  /** When the working window that contains `at` (or else the next one) closes. */
  windowEnd(at: Date): Date {
    return new Date(this.windowFrom(instantOf(at)).end);
  }

  /** A working day: a working weekday that is neither a country/region public holiday nor a listed date. */
  private isWorkingDay(day: LocalDay): boolean {
    if (!this.workingDays.has(weekdayOf(day))) return false;
    const date = isoDateOf(day);
    if (this.extraHolidays.has(date)) return false;
    const { country, region } = this.settings.holidays;
    return !country || !publicHolidayDates(country, region, yearOf(day)).has(date);
  }

  private due(from: number, delay: Delay): number {
    switch (delay.unit) {
      case 'minutes':
        return this.addWorkingTime(from, delay.amount * MINUTE_MS);
      case 'hours':
        return this.addWorkingTime(from, delay.amount * 60 * MINUTE_MS);
      case 'days':
        return delay.amount === 0 ? this.nextWorking(from) : this.onDay(this.nextWorkingDay(this.dayOf(from) + delay.amount * DAY_MS), this.timeOf(from));
      case 'business_days':
        return delay.amount === 0 ? this.nextWorking(from) : this.onDay(this.nthWorkingDayAfter(this.dayOf(from), delay.amount), this.timeOf(from));
      case 'at':
        return this.atClock(from, parseClock(delay.time));
    }
  }

  /** The business-hours clock: only time inside working windows counts. */
  private addWorkingTime(from: number, duration: number): number {
    let remaining = duration;
    let window = this.windowFrom(from);
    let cursor = Math.max(from, window.start);
    // Strictly less: a delay that uses up a window exactly lands on the next opening, not on a closing.
    while (remaining >= window.end - cursor) {
      remaining -= window.end - cursor;
      window = this.windowFrom(window.end);
      cursor = window.start;
    }
    return cursor + remaining;
  }

  /**
   * "At HH:MM": the next time a working day's clock shows HH:MM — today when today is a working day and
   * HH:MM is still ahead, otherwise the next working day (docs/calendar.md says why). A time that is not
   * inside the window (refused when a step is configured, or skipped by DST) moves to the next working instant.
   */
  private atClock(from: number, timeOfDay: number): number {
    const today = this.dayOf(from);
    const todayAt = this.clock.resolve(today + timeOfDay, 'first');
    if (this.windowOn(today) && todayAt > from) return this.nextWorking(todayAt);
    return this.nextWorking(this.clock.resolve(this.nextWorkingDay(today + DAY_MS) + timeOfDay, 'first'));
  }

  /**
   * `timeOfDay` on a working `day` (one with a window) when the window contains it, else the window's
   * opening that day. A clock time skipped by DST that leaves the window moves to the next working instant.
   */
  private onDay(day: LocalDay, timeOfDay: number): number {
    const window = this.windowOn(day)!;
    if (timeOfDay < this.opens || timeOfDay >= this.closes) return window.start;
    const at = this.clock.resolve(day + timeOfDay, 'first');
    return at >= window.start && at < window.end ? at : this.nextWorking(at);
  }

  private nextWorking(from: number): number {
    return Math.max(from, this.windowFrom(from).start);
  }

  /** The window that contains `from`, else the next one. */
  private windowFrom(from: number): Window {
    let day = this.dayOf(from);
    for (let i = 0; i <= HORIZON_DAYS; i++, day += DAY_MS) {
      const window = this.windowOn(day);
      if (window && from < window.end) return window;
    }
    throw new Error(`no working window within ${HORIZON_DAYS} days of ${new Date(from).toISOString()}: check workingDays, workingHours and holidays`);
  }

  /**
   * A working day's window as real instants; none on other days, nor when DST leaves it empty. When the
   * clocks go back, it runs from the first time its opening shows to the last time its closing shows.
   */
  private windowOn(day: LocalDay): Window | undefined {
    if (!this.isWorkingDay(day)) return undefined;
    const key = `${this.timezone}|${this.opens}|${this.closes}|${day}`;
    let window = resolvedWindows.get(key);
    if (window === undefined) {
      const start = this.clock.resolve(day + this.opens, 'first');
      const end = this.clock.resolve(day + this.closes, 'last');
      window = start < end ? { start, end } : null;
      if (resolvedWindows.size >= RESOLVED_WINDOWS_MAX) resolvedWindows.clear();
      resolvedWindows.set(key, window);
    }
    return window ?? undefined;
  }

  /** `day` itself when it is a working day (with a window), else the next one. */
  private nextWorkingDay(from: LocalDay): LocalDay {
    for (let i = 0, day = from; i <= HORIZON_DAYS; i++, day += DAY_MS) if (this.windowOn(day)) return day;
    throw new Error(`no working day within ${HORIZON_DAYS} days of ${isoDateOf(from)}: check workingDays, workingHours and holidays`);
  }

  /** The n-th working day strictly after `day` (n ≥ 1). */
  private nthWorkingDayAfter(day: LocalDay, n: number): LocalDay {
    let found = day;
    for (let i = 0; i < n; i++) found = this.nextWorkingDay(found + DAY_MS);
    return found;
  }

  private dayOf(instant: number): LocalDay {
    return dayOf(this.clock.local(instant));
  }

  private timeOf(instant: number): number {
    return timeOfDayOf(this.clock.local(instant));
  }

  /** Moves `due` later by a deterministic share of `jitterMinutes`, never past its window's closing. */
  private jitter(due: number, key: string): number {
    const room = Math.floor((this.windowFrom(due).end - due) / 1000);
    const spread = Math.min(this.settings.jitterMinutes * 60, room);
    return due + Math.floor(fractionOf(key) * spread) * 1000;
  }
}

function instantOf(d: Date): number {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new TypeError('calendar: expected a valid Date, got an Invalid Date');
  return t;
}

/** A stable number in [0, 1) from a key, the same in every process (so `simulate` matches the real run). */
export function fractionOf(key: string): number {
  return createHash('sha256').update(key).digest().readUIntBE(0, 6) / 2 ** 48;
}

export function calendarFor(settings: CalendarSettings, contactTimezone?: string | null): Calendar {
  return new Calendar(settings, contactTimezone);
}
