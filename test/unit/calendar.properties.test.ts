import Holidays from 'date-holidays';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { Calendar, type CalendarSettings, type Delay, delaySchemaFor } from '../../runtime/sequences/calendar';
import { sequenceSettingsSchema } from '../../runtime/sequences/settings';

/**
 * The calendar's invariants (DESIGN §6.5), checked against an independent reading of the settings with
 * luxon and date-holidays, around the DST changes of New York and London and across holidays.
 */
const RUNS = { numRuns: 200 };
const MINUTE = 60_000;

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));

// Windows of at least 90 minutes, often at night so that they contain a clock change.
const anyWindow = fc.integer({ min: 0, max: 1439 - 90 }).chain((start) => fc.integer({ min: start + 90, max: 1439 }).map((end) => ({ start, end })));
const nightWindow = fc.integer({ min: 0, max: 150 }).chain((start) => fc.integer({ min: start + 90, max: 300 }).map((end) => ({ start, end })));
const officeWindow = fc.integer({ min: 6 * 60, max: 11 * 60 }).chain((start) => fc.integer({ min: start + 90, max: 20 * 60 }).map((end) => ({ start, end })));

const isoDay = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

function settingsArb(window: fc.Arbitrary<{ start: number; end: number }>) {
  return fc
    .record({
      timezone: fc.constantFrom('America/New_York', 'Europe/London', 'Europe/Paris', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'),
      workingDays: fc.oneof(fc.constant([1, 2, 3, 4, 5]), fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 })),
      window: fc.oneof(fc.constant({ start: 540, end: 1020 }), window),
      country: fc.constantFrom(undefined, 'US', 'GB'),
      dates: fc.array(isoDay, { maxLength: 12 }),
      jitterMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 240 })),
    })
    .map(({ window: w, country, dates, ...rest }) =>
      sequenceSettingsSchema.parse({ ...rest, workingHours: { start: hhmm(w.start), end: hhmm(w.end) }, holidays: country ? { country, dates } : { dates } }),
    );
}

// The clock changes of New York and London in 2024–2026; `from` is often within four days of one.
const TRANSITIONS = [
  '2024-03-10T07:00:00Z', '2024-11-03T06:00:00Z', '2025-03-09T07:00:00Z', '2025-11-02T06:00:00Z', '2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z',
  '2024-03-31T01:00:00Z', '2024-10-27T01:00:00Z', '2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z', '2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z',
].map(Date.parse);
const instant = fc.oneof(
  fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true }),
  fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -4 * 1440, max: 4 * 1440 })).map(([t, m]) => new Date(t + m * MINUTE)),
);

const amountDelay = fc.oneof(
  fc.integer({ min: 0, max: 3000 }).map((amount): Delay => ({ unit: 'minutes', amount })),
  fc.integer({ min: 0, max: 120 }).map((half): Delay => ({ unit: 'hours', amount: half / 2 })),
  fc.integer({ min: 0, max: 40 }).map((amount): Delay => ({ unit: 'days', amount })),
  fc.integer({ min: 0, max: 40 }).map((amount): Delay => ({ unit: 'business_days', amount })),
);
/** Any delay a step may be configured with for these settings (`at` inside the window). */
const delayFor = (s: CalendarSettings) =>
  fc.oneof(
    amountDelay,
    fc
      .integer({ min: minutesOf(s.workingHours.start), max: minutesOf(s.workingHours.end) - 1 })
      .map((m): Delay => delaySchemaFor(s).parse({ unit: 'at', time: hhmm(m) })),
  );

const scenario = (window: fc.Arbitrary<{ start: number; end: number }>) =>
  settingsArb(window).chain((settings) =>
    fc.record({ settings: fc.constant(settings), from: instant, delay: delayFor(settings), key: fc.uuid().map((id) => `${id}:step-2`) }),
  );
const anyScenario = scenario(fc.oneof(anyWindow, nightWindow));
const officeScenario = scenario(officeWindow);

const holidayYears = new Map<string, Set<string>>();
function publicHolidaysOf(country: string, year: number): Set<string> {
  const key = `${country}/${year}`;
  if (!holidayYears.has(key)) {
    const dates = new Holidays(country).getHolidays(year).filter((h) => h.type === 'public');
    holidayYears.set(key, new Set(dates.map((h) => h.date.slice(0, 10))));
  }
  return holidayYears.get(key)!;
}

/** The settings read directly with luxon and date-holidays. */
function oracle(s: CalendarSettings) {
  const zone = s.timezone;
  const publicHoliday = (date: string) => !!s.holidays.country && publicHolidaysOf(s.holidays.country, Number(date.slice(0, 4))).has(date);
  const opens = minutesOf(s.workingHours.start);
  const closes = minutesOf(s.workingHours.end);
  const local = (d: Date) => DateTime.fromJSDate(d, { zone });
  const isWorkingDate = (day: DateTime) => s.workingDays.includes(day.weekday) && !s.holidays.dates.includes(day.toISODate()!) && !publicHoliday(day.toISODate()!);
  const clocksGoBack = (day: DateTime) => day.startOf('day').plus({ days: 1 }).offset < day.startOf('day').offset;
  return {
    local,
    isWorkingDate,
    /**
     * Inside a working window: a working day and a wall time in [start, end). On a night when the clocks
     * go back, the window runs from the first showing of its opening to the last showing of its closing,
     * so a wall time up to an hour outside is still inside (docs/calendar.md).
     */
    inWindow(d: Date) {
      const t = local(d);
      const minute = t.hour * 60 + t.minute;
      const slack = clocksGoBack(t) ? 60 : 0;
      return isWorkingDate(t) && minute >= opens - slack && minute < closes + slack;
    },
    /** Working dates in (after, upTo]. */
    workingDatesBetween(after: DateTime, upTo: DateTime) {
      let count = 0;
      for (let day = after.startOf('day').plus({ days: 1 }); day <= upTo.startOf('day'); day = day.plus({ days: 1 })) if (isWorkingDate(day)) count++;
      return count;
    },
    opens,
    closes,
  };
}

describe('calendar invariants', () => {
  it('never answers earlier than asked, and always inside a working window on a working, non-holiday day', () => {
    fc.assert(
      fc.property(anyScenario, ({ settings, from, delay, key }) => {
        const cal = new Calendar(settings);
        const { inWindow } = oracle(settings);
        for (const due of [cal.add(from, delay), cal.add(from, delay, key)]) {
          expect(due.getTime()).toBeGreaterThanOrEqual(from.getTime());
          expect(inWindow(due)).toBe(true);
          expect(cal.isWorkingTime(due)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('jitter is the same for the same key, later by less than jitterMinutes, and inside the same window', () => {
    fc.assert(
      fc.property(anyScenario, ({ settings, from, delay, key }) => {
        const cal = new Calendar(settings);
        const plain = cal.add(from, delay);
        const jittered = cal.add(from, delay, key);
        expect(new Calendar(settings).add(from, delay, key)).toEqual(jittered);
        const shift = jittered.getTime() - plain.getTime();
        expect(shift).toBeGreaterThanOrEqual(0);
        expect(shift).toBeLessThanOrEqual(Math.max(0, settings.jitterMinutes * MINUTE - 1000));
        expect(jittered.getTime()).toBeLessThan(cal.windowEnd(plain).getTime());
      }),
      RUNS,
    );
  });

  it('the next working instant is the instant itself in working time; no working time is skipped before it', () => {
    fc.assert(
      fc.property(settingsArb(fc.oneof(anyWindow, nightWindow)), instant, fc.double({ min: 0, max: 1, noNaN: true }), (settings, from, share) => {
        const cal = new Calendar(settings);
        const next = cal.nextWorkingInstant(from);
        expect(oracle(settings).inWindow(next)).toBe(true);
        if (cal.isWorkingTime(from)) expect(next).toEqual(from);
        const between = new Date(from.getTime() + Math.floor(share * (next.getTime() - from.getTime())));
        if (between < next) expect(cal.isWorkingTime(between)).toBe(false);
      }),
      RUNS,
    );
  });

  it('business days land on the N-th working day after the start day, never a weekend or holiday, keeping an in-window clock time', () => {
    fc.assert(
      fc.property(officeScenario, fc.integer({ min: 1, max: 40 }), ({ settings, from }, amount) => {
        const { local, isWorkingDate, workingDatesBetween, opens, closes } = oracle(settings);
        const due = local(new Calendar(settings).add(from, { unit: 'business_days', amount }));
        const start = local(from);
        expect(isWorkingDate(due)).toBe(true);
        expect(workingDatesBetween(start, due)).toBe(amount);
        const clock = start.hour * 60 + start.minute;
        const kept = clock >= opens && clock < closes ? start.toFormat('HH:mm:ss.SSS') : `${settings.workingHours.start}:00.000`;
        expect(due.toFormat('HH:mm:ss.SSS')).toBe(kept);
      }),
      RUNS,
    );
  });

  it('days land on the first working day at or after N calendar days, keeping an in-window clock time', () => {
    fc.assert(
      fc.property(officeScenario, fc.integer({ min: 1, max: 40 }), ({ settings, from }, amount) => {
        const { local, isWorkingDate, workingDatesBetween, opens, closes } = oracle(settings);
        const due = local(new Calendar(settings).add(from, { unit: 'days', amount }));
        const target = local(from).plus({ days: amount });
        expect(isWorkingDate(due)).toBe(true);
        expect(due.startOf('day') >= target.startOf('day')).toBe(true);
        expect(workingDatesBetween(target.minus({ days: 1 }), due.minus({ days: 1 }))).toBe(0);
        const clock = local(from).hour * 60 + local(from).minute;
        if (clock >= opens && clock < closes) expect(due.toFormat('HH:mm:ss.SSS')).toBe(local(from).toFormat('HH:mm:ss.SSS'));
        else expect(due.toFormat('HH:mm')).toBe(settings.workingHours.start);
      }),
      RUNS,
    );
  });

  it('at HH:MM is that local time on the first working day that still shows it after the start', () => {
    fc.assert(
      fc.property(officeScenario, fc.integer({ min: 0, max: 1439 }), ({ settings, from }, m) => {
        const { local, isWorkingDate, workingDatesBetween, opens, closes } = oracle(settings);
        const time = hhmm(opens + (m % (closes - opens)));
        const due = local(new Calendar(settings).add(from, { unit: 'at', time }));
        expect(due.toFormat('HH:mm:ss.SSS')).toBe(`${time}:00.000`);
        expect(due.toMillis()).toBeGreaterThan(from.getTime());
        expect(isWorkingDate(due)).toBe(true);
        // No working day between the start and the answer showed that time after the start.
        const start = local(from);
        const startDayCounts = isWorkingDate(start) && start.toFormat('HH:mm') < time;
        expect(startDayCounts ? due.hasSame(start, 'day') : workingDatesBetween(start, due) === 1).toBe(true);
      }),
      RUNS,
    );
  });

  it('business-clock minutes add up: add(add(t, a), b) is add(t, a + b)', () => {
    fc.assert(
      fc.property(anyScenario, fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 2000 }), ({ settings, from }, a, b) => {
        const cal = new Calendar(settings);
        const minutes = (amount: number): Delay => ({ unit: 'minutes', amount });
        expect(cal.add(cal.add(from, minutes(a)), minutes(b))).toEqual(cal.add(from, minutes(a + b)));
      }),
      RUNS,
    );
  });

  it('business-clock hours are 60 minutes each, and a zero delay of any amount unit is the next working instant', () => {
    fc.assert(
      fc.property(anyScenario, fc.integer({ min: 0, max: 200 }), ({ settings, from }, hours) => {
        const cal = new Calendar(settings);
        expect(cal.add(from, { unit: 'hours', amount: hours })).toEqual(cal.add(from, { unit: 'minutes', amount: hours * 60 }));
        for (const unit of ['minutes', 'hours', 'days', 'business_days'] as const) expect(cal.add(from, { unit, amount: 0 })).toEqual(cal.nextWorkingInstant(from));
      }),
      RUNS,
    );
  });
});
