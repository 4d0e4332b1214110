import { DateTime } from 'luxon';
import { Calendar, calendarFor, type CalendarSettings, type Delay, delaySchema, delaySchemaFor } from '../../runtime/sequences/calendar';
import { sequenceSettingsSchema } from '../../runtime/sequences/settings';

/** Settings as a user would write them; everything else defaulted (Mon–Fri 09:00–17:00). */
const settings = (input: Record<string, unknown> = {}): CalendarSettings => sequenceSettingsSchema.parse(input);

const NY = 'America/New_York';
const LONDON = 'Europe/London';

/** A local wall time in `zone`, e.g. at(NY, '2025-01-17 18:30'). */
const at = (zone: string, local: string) => DateTime.fromFormat(local, 'yyyy-MM-dd HH:mm', { zone }).toJSDate();
/** How a user reads the answer: "Mon 2025-01-20 09:00" in the calendar's zone. */
const shown = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('ccc yyyy-MM-dd HH:mm');

const minutes = (amount: number): Delay => ({ unit: 'minutes', amount });
const hours = (amount: number): Delay => ({ unit: 'hours', amount });
const days = (amount: number): Delay => ({ unit: 'days', amount });
const businessDays = (amount: number): Delay => ({ unit: 'business_days', amount });
const atTime = (time: string): Delay => ({ unit: 'at', time });

describe('delays follow DESIGN §6.5 (Mon–Fri 09:00–17:00, New York)', () => {
  const cal = new Calendar(settings({ timezone: NY }));
  const add = (from: string, delay: Delay) => shown(cal.add(at(NY, from), delay), NY);

  it('Friday 18:30 + 1 business day is Monday 09:00', () => {
    expect(add('2025-01-17 18:30', businessDays(1))).toBe('Mon 2025-01-20 09:00');
  });

  it('Tuesday 10:15 + 1 business day is Wednesday 10:15', () => {
    expect(add('2025-01-14 10:15', businessDays(1))).toBe('Wed 2025-01-15 10:15');
  });

  it('a 1-hour delay at 16:30 ends at 09:30 on the next working day', () => {
    expect(add('2025-01-14 16:30', hours(1))).toBe('Wed 2025-01-15 09:30');
    expect(add('2025-01-17 16:30', hours(1))).toBe('Mon 2025-01-20 09:30');
  });

  it('only time inside the window counts for minutes and hours', () => {
    expect(add('2025-01-14 10:00', minutes(90))).toBe('Tue 2025-01-14 11:30');
    expect(add('2025-01-14 07:00', minutes(30))).toBe('Tue 2025-01-14 09:30');
    expect(add('2025-01-14 12:00', hours(10))).toBe('Wed 2025-01-15 14:00');
    expect(add('2025-01-17 20:00', hours(8.5))).toBe('Tue 2025-01-21 09:30');
  });

  it('a delay that uses up the window exactly lands on the next opening, never on the closing time', () => {
    expect(add('2025-01-14 16:30', minutes(30))).toBe('Wed 2025-01-15 09:00');
  });

  it('days: N calendar days later, rolled forward to a working day, keeping the clock time when inside the window', () => {
    expect(add('2025-01-14 10:15', days(2))).toBe('Thu 2025-01-16 10:15');
    expect(add('2025-01-17 10:15', days(1))).toBe('Mon 2025-01-20 10:15');
    expect(add('2025-01-16 18:30', days(1))).toBe('Fri 2025-01-17 09:00');
    expect(add('2025-01-15 07:00', days(2))).toBe('Fri 2025-01-17 09:00');
    expect(add('2025-01-18 11:00', days(7))).toBe('Mon 2025-01-27 11:00');
  });

  it('business days count working days strictly after the start day, whatever day that is', () => {
    expect(add('2025-01-18 11:00', businessDays(1))).toBe('Mon 2025-01-20 11:00');
    expect(add('2025-01-14 08:00', businessDays(5))).toBe('Tue 2025-01-21 09:00');
    expect(add('2025-01-14 16:59', businessDays(3))).toBe('Fri 2025-01-17 16:59');
  });

  it('at HH:MM is the next time a working day shows that time: today while it is still ahead', () => {
    expect(add('2025-01-14 08:00', atTime('10:30'))).toBe('Tue 2025-01-14 10:30');
    expect(add('2025-01-14 10:30', atTime('10:30'))).toBe('Wed 2025-01-15 10:30');
    expect(add('2025-01-14 11:00', atTime('10:30'))).toBe('Wed 2025-01-15 10:30');
    expect(add('2025-01-17 11:00', atTime('10:30'))).toBe('Mon 2025-01-20 10:30');
    expect(add('2025-01-18 08:00', atTime('10:30'))).toBe('Mon 2025-01-20 10:30');
  });

  it('a zero delay is the next working instant', () => {
    for (const delay of [minutes(0), hours(0), days(0), businessDays(0)]) {
      expect(add('2025-01-14 10:15', delay)).toBe('Tue 2025-01-14 10:15');
      expect(add('2025-01-17 18:30', delay)).toBe('Mon 2025-01-20 09:00');
    }
  });

  it('an at time outside the window that slipped past validation still lands inside the window', () => {
    expect(add('2025-01-14 07:00', atTime('08:00'))).toBe('Tue 2025-01-14 09:00');
    expect(add('2025-01-14 10:00', atTime('18:00'))).toBe('Wed 2025-01-15 09:00');
  });
});

describe('working windows for the Rate Gate', () => {
  const cal = new Calendar(settings({ timezone: NY }));

  it('knows whether an instant is working time; the closing minute is not', () => {
    expect(cal.isWorkingTime(at(NY, '2025-01-14 09:00'))).toBe(true);
    expect(cal.isWorkingTime(at(NY, '2025-01-14 16:59'))).toBe(true);
    expect(cal.isWorkingTime(at(NY, '2025-01-14 17:00'))).toBe(false);
    expect(cal.isWorkingTime(at(NY, '2025-01-14 08:59'))).toBe(false);
    expect(cal.isWorkingTime(at(NY, '2025-01-18 12:00'))).toBe(false);
  });

  it('gives the next working instant: the instant itself inside a window, else the next opening', () => {
    expect(shown(cal.nextWorkingInstant(at(NY, '2025-01-14 12:34')), NY)).toBe('Tue 2025-01-14 12:34');
    expect(shown(cal.nextWorkingInstant(at(NY, '2025-01-14 17:00')), NY)).toBe('Wed 2025-01-15 09:00');
    expect(shown(cal.nextWorkingInstant(at(NY, '2025-01-18 12:00')), NY)).toBe('Mon 2025-01-20 09:00');
  });

  it('gives the current (or next) window and when it closes', () => {
    const during = cal.window(at(NY, '2025-01-14 12:00'));
    expect([shown(during.start, NY), shown(during.end, NY)]).toEqual(['Tue 2025-01-14 09:00', 'Tue 2025-01-14 17:00']);
    const after = cal.window(at(NY, '2025-01-17 17:30'));
    expect([shown(after.start, NY), shown(after.end, NY)]).toEqual(['Mon 2025-01-20 09:00', 'Mon 2025-01-20 17:00']);
    expect(shown(cal.windowEnd(at(NY, '2025-01-14 12:00')), NY)).toBe('Tue 2025-01-14 17:00');
  });

  it('refuses an invalid date instead of answering with one', () => {
    expect(() => cal.add(new Date('not a date'), hours(1))).toThrow('expected a valid Date');
    expect(() => cal.isWorkingTime(new Date(NaN))).toThrow('expected a valid Date');
  });
});

describe('daylight saving time', () => {
  // New York springs forward on Sunday 2025-03-09 (02:00 → 03:00) and falls back on Sunday 2025-11-02 (02:00 → 01:00).
  // London springs forward on Sunday 2025-03-30 (01:00 → 02:00) and falls back on Sunday 2025-10-26 (02:00 → 01:00).
  it.each([
    [NY, '2025-03-07 10:15', 'Mon 2025-03-10 10:15', 'Mon 2025-03-10 09:30'],
    [NY, '2025-10-31 10:15', 'Mon 2025-11-03 10:15', 'Mon 2025-11-03 09:30'],
    [LONDON, '2025-03-28 10:15', 'Mon 2025-03-31 10:15', 'Mon 2025-03-31 09:30'],
    [LONDON, '2025-10-24 10:15', 'Mon 2025-10-27 10:15', 'Mon 2025-10-27 09:30'],
  ])('%s: a weekend with a clock change keeps wall-clock times (from %s)', (zone, from, plusOneBusinessDay, oneHourFromClosing) => {
    const cal = new Calendar(settings({ timezone: zone }));
    expect(shown(cal.add(at(zone, from), businessDays(1)), zone)).toBe(plusOneBusinessDay);
    expect(shown(cal.add(at(zone, from), days(3)), zone)).toBe(plusOneBusinessDay);
    const friday1630 = at(zone, `${from.slice(0, 10)} 16:30`);
    expect(shown(cal.add(friday1630, hours(1)), zone)).toBe(oneHourFromClosing);
  });

  describe('a night window 01:00–03:00 every day in New York, which the clock changes cut into', () => {
    const cal = new Calendar(settings({ timezone: NY, workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '01:00', end: '03:00' } }));
    const utc = (d: Date) => d.toISOString();

    it('spring forward: the window holds one real hour, and hours count real time', () => {
      const window = cal.window(at(NY, '2025-03-09 00:30'));
      expect([utc(window.start), utc(window.end)]).toEqual(['2025-03-09T06:00:00.000Z', '2025-03-09T07:00:00.000Z']);
      // Saturday 02:30: 30 minutes left on Saturday, then Sunday's only hour.
      expect(utc(cal.add(at(NY, '2025-03-08 02:30'), hours(1)))).toBe('2025-03-09T06:30:00.000Z');
      expect(shown(cal.add(at(NY, '2025-03-08 02:30'), minutes(90)), NY)).toBe('Mon 2025-03-10 01:00');
    });

    it('spring forward: a clock time the clocks skip means the jump, here the closing, so the next working instant', () => {
      expect(shown(cal.add(at(NY, '2025-03-08 02:30'), days(1)), NY)).toBe('Mon 2025-03-10 01:00');
      expect(shown(cal.add(at(NY, '2025-03-08 04:00'), atTime('02:30')), NY)).toBe('Mon 2025-03-10 01:00');
      expect(shown(cal.add(at(NY, '2025-03-08 01:30'), days(1)), NY)).toBe('Sun 2025-03-09 01:30');
    });

    it('fall back: the window holds three real hours, the repeated hour counted twice', () => {
      const window = cal.window(at(NY, '2025-11-02 00:30'));
      expect([utc(window.start), utc(window.end)]).toEqual(['2025-11-02T05:00:00.000Z', '2025-11-02T08:00:00.000Z']);
      // Saturday 02:00: one hour on Saturday, then 1.5 hours of Sunday = the second 01:30.
      expect(utc(cal.add(at(NY, '2025-11-01 02:00'), hours(2.5)))).toBe('2025-11-02T06:30:00.000Z');
      expect(cal.isWorkingTime(new Date('2025-11-02T07:59:00Z'))).toBe(true);
    });

    it('fall back: a repeated clock time means its first occurrence', () => {
      expect(utc(cal.add(at(NY, '2025-11-01 01:30'), days(1)))).toBe('2025-11-02T05:30:00.000Z');
      expect(utc(cal.add(at(NY, '2025-11-01 04:00'), atTime('01:30')))).toBe('2025-11-02T05:30:00.000Z');
    });
  });

  it('London: a window 00:30–03:00 shrinks to 1.5 real hours when the clocks spring forward', () => {
    const cal = new Calendar(settings({ timezone: LONDON, workingDays: [7], workingHours: { start: '00:30', end: '03:00' } }));
    const window = cal.window(at(LONDON, '2025-03-29 12:00'));
    expect([window.start.toISOString(), window.end.toISOString()]).toEqual(['2025-03-30T00:30:00.000Z', '2025-03-30T02:00:00.000Z']);
    expect(cal.add(at(LONDON, '2025-03-30 00:45'), hours(1)).toISOString()).toBe('2025-03-30T01:45:00.000Z');
    // 01:30 does not exist that Sunday: like an alarm clock, the step is due when the clocks jump (02:00 BST).
    expect(shown(cal.add(at(LONDON, '2025-03-23 01:30'), days(7)), LONDON)).toBe('Sun 2025-03-30 02:00');
    expect(shown(cal.add(at(LONDON, '2025-03-29 12:00'), atTime('01:30')), LONDON)).toBe('Sun 2025-03-30 02:00');
  });
});

describe('holidays', () => {
  it('skips US public holidays: Thanksgiving, and Martin Luther King Jr. Day after a weekend', () => {
    const cal = new Calendar(settings({ timezone: NY, holidays: { country: 'US' } }));
    expect(shown(cal.add(at(NY, '2025-11-26 10:00'), businessDays(1)), NY)).toBe('Fri 2025-11-28 10:00');
    expect(shown(cal.add(at(NY, '2025-11-26 16:30'), hours(1)), NY)).toBe('Fri 2025-11-28 09:30');
    expect(shown(cal.add(at(NY, '2025-11-25 10:00'), days(2)), NY)).toBe('Fri 2025-11-28 10:00');
    expect(shown(cal.add(at(NY, '2025-01-17 18:30'), businessDays(1)), NY)).toBe('Tue 2025-01-21 09:00');
    expect(cal.isWorkingTime(at(NY, '2025-11-27 10:00'))).toBe(false);
  });

  it('skips UK bank holidays: Easter and the early May bank holiday', () => {
    const cal = new Calendar(settings({ timezone: LONDON, holidays: { country: 'GB', region: 'ENG' } }));
    expect(shown(cal.add(at(LONDON, '2025-04-17 12:00'), businessDays(1)), LONDON)).toBe('Tue 2025-04-22 12:00');
    expect(shown(cal.add(at(LONDON, '2025-05-02 12:00'), days(1)), LONDON)).toBe('Tue 2025-05-06 12:00');
    expect(shown(cal.add(at(LONDON, '2025-05-02 12:00'), atTime('10:00')), LONDON)).toBe('Tue 2025-05-06 10:00');
  });

  it('honours a region: Corpus Christi is a holiday in Bavaria, not in Germany as a whole', () => {
    const berlin = 'Europe/Berlin';
    const germany = new Calendar(settings({ timezone: berlin, holidays: { country: 'DE' } }));
    const bavaria = new Calendar(settings({ timezone: berlin, holidays: { country: 'DE', region: 'BY' } }));
    expect(shown(germany.add(at(berlin, '2025-06-18 10:00'), businessDays(1)), berlin)).toBe('Thu 2025-06-19 10:00');
    expect(shown(bavaria.add(at(berlin, '2025-06-18 10:00'), businessDays(1)), berlin)).toBe('Fri 2025-06-20 10:00');
  });

  it('skips the sequence’s own dates as well', () => {
    const cal = new Calendar(settings({ timezone: NY, holidays: { dates: ['2025-12-24', '2025-12-26'] } }));
    expect(shown(cal.add(at(NY, '2025-12-23 10:00'), businessDays(1)), NY)).toBe('Thu 2025-12-25 10:00');
    expect(shown(cal.add(at(NY, '2025-12-23 10:00'), businessDays(2)), NY)).toBe('Mon 2025-12-29 10:00');
    expect(shown(cal.nextWorkingInstant(at(NY, '2025-12-24 10:00')), NY)).toBe('Thu 2025-12-25 09:00');
  });

  it('refuses a holiday calendar date-holidays does not have, naming the field', () => {
    const issues = (holidays: unknown) => sequenceSettingsSchema.safeParse({ holidays }).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(issues({ country: 'UK' })).toEqual([['holidays.country', expect.stringContaining('"UK" has no public holiday calendar')]]);
    expect(issues({ country: 'GB', region: 'XX' })).toEqual([['holidays.region', expect.stringContaining('"XX" is not a region of GB (known: ALD, ENG')]]);
    expect(issues({ region: 'BY' })).toEqual([['holidays.region', expect.stringContaining('needs holidays.country')]]);
    expect(issues({ country: 'US', region: 'CA' })).toBeUndefined();
  });
});

describe('the contact’s timezone', () => {
  const paris = 'Europe/Paris';

  it('is the window’s zone when the sequence asks for it', () => {
    const cal = calendarFor(settings({ timezone: NY, useContactTimezone: true }), paris);
    expect(cal.timezone).toBe(paris);
    expect(shown(cal.add(at(paris, '2025-01-17 18:30'), businessDays(1)), paris)).toBe('Mon 2025-01-20 09:00');
    expect(cal.isWorkingTime(at(NY, '2025-01-14 10:00'))).toBe(true); // 16:00 in Paris
    expect(cal.isWorkingTime(at(NY, '2025-01-14 11:30'))).toBe(false); // 17:30 in Paris
    expect(cal.isWorkingTime(at(NY, '2025-01-14 02:30'))).toBe(false); // 08:30 in Paris
  });

  it('is ignored when the sequence does not ask for it, or when it is not a real zone', () => {
    expect(calendarFor(settings({ timezone: NY }), paris).timezone).toBe(NY);
    expect(calendarFor(settings({ timezone: NY, useContactTimezone: true }), 'Mars/Olympus').timezone).toBe(NY);
    expect(calendarFor(settings({ timezone: NY, useContactTimezone: true }), null).timezone).toBe(NY);
  });
});

describe('jitter', () => {
  const cal = new Calendar(settings({ timezone: NY, jitterMinutes: 30 }));
  const from = at(NY, '2025-01-14 10:00');

  it('is the same for the same enrollment and step, so simulate and the real run agree', () => {
    const first = cal.add(from, hours(1), 'enrollment-1:step-2');
    expect(cal.add(from, hours(1), 'enrollment-1:step-2')).toEqual(first);
    expect(new Calendar(settings({ timezone: NY, jitterMinutes: 30 })).add(from, hours(1), 'enrollment-1:step-2')).toEqual(first);
  });

  it('only moves later, by less than jitterMinutes, and spreads different keys', () => {
    const plain = cal.add(from, hours(1)).getTime();
    const offsets = Array.from({ length: 50 }, (_, i) => cal.add(from, hours(1), `enrollment-${i}:step-1`).getTime() - plain);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(30 * 60_000);
    expect(new Set(offsets).size).toBeGreaterThan(40);
  });

  it('stays inside the window it started in near closing time', () => {
    const from = at(NY, '2025-01-14 16:50');
    const closing = at(NY, '2025-01-14 17:00');
    for (let i = 0; i < 50; i++) {
      const due = cal.add(from, minutes(0), `enrollment-${i}:step-1`);
      expect(due.getTime()).toBeGreaterThanOrEqual(from.getTime());
      expect(due.getTime()).toBeLessThan(closing.getTime());
    }
  });

  it('is off without a key or with jitterMinutes 0', () => {
    expect(cal.add(from, hours(1))).toEqual(at(NY, '2025-01-14 11:00'));
    expect(new Calendar(settings({ timezone: NY })).add(from, hours(1), 'enrollment-1:step-2')).toEqual(at(NY, '2025-01-14 11:00'));
  });
});

describe('delaySchema', () => {
  const messages = (input: unknown, schema: { safeParse: (v: unknown) => { error?: { issues: { message: string }[] } } } = delaySchema) =>
    schema.safeParse(input).error?.issues.map((i) => i.message) ?? [];

  it('accepts each unit', () => {
    for (const delay of [minutes(45), hours(1.5), days(3), businessDays(2), atTime('10:30'), minutes(0)]) {
      expect(delaySchema.parse(delay)).toEqual(delay);
    }
  });

  it.each([
    [{ unit: 'minutes', amount: -5 }, 'amount must be a positive number (or 0 for the next working moment)'],
    [{ unit: 'hours', amount: '2' }, 'amount must be a positive number of hours (or 0 for the next working moment)'],
    [{ unit: 'days', amount: 1.5 }, 'amount must be a whole number of days'],
    [{ unit: 'business_days', amount: 100000 }, 'amount must be at most 2600 business_days'],
    [{ unit: 'weeks', amount: 1 }, 'unit must be one of minutes, hours, days, business_days, at'],
    [{ unit: 'at', time: '9:00' }, 'time must be a 24-hour local time HH:MM, e.g. "10:30"'],
    [{ unit: 'at', time: '24:00' }, 'time must be a 24-hour local time HH:MM, e.g. "10:30"'],
  ])('refuses %j: %s', (input, message) => {
    expect(messages(input)).toEqual([message]);
  });

  it('refuses an at time outside the sequence’s working window when the step is configured', () => {
    const schema = delaySchemaFor(settings());
    expect(messages(atTime('18:00'), schema)).toEqual(['at 18:00 is outside the working window 09:00–17:00 and is refused: pick a time from 09:00 to before 17:00']);
    expect(messages(atTime('17:00'), schema)).toHaveLength(1);
    expect(messages(atTime('08:59'), schema)).toHaveLength(1);
    expect(messages(atTime('09:00'), schema)).toEqual([]);
    expect(messages(atTime('16:59'), schema)).toEqual([]);
    expect(messages(days(2), schema)).toEqual([]);
  });
});
