import Holidays from 'date-holidays';

/**
 * Public holidays from `date-holidays`, as sets of local dates (YYYY-MM-DD) per country, region and
 * year. Building a `Holidays` instance and computing a year are slow (milliseconds each), and the
 * scheduler asks for the same few calendars all the time, so both are cached for the process.
 */
const calendars = new Map<string, Holidays>();
const years = new Map<string, ReadonlySet<string>>();
let countries: Record<string, string> | undefined;

const DAY_MS = 86_400_000;

function calendarOf(country: string, region: string | undefined): Holidays {
  const key = `${country}/${region ?? ''}`;
  let calendar = calendars.get(key);
  if (!calendar) {
    calendar = region ? new Holidays(country, region) : new Holidays(country);
    calendars.set(key, calendar);
  }
  return calendar;
}

/**
 * The dates of `year` that are public holidays (type `public` only: observances, bank-only and optional
 * days are working days). A holiday that covers part of a day (e.g. from 12:00) takes the whole day off,
 * and one spanning several days takes each of them.
 */
export function publicHolidayDates(country: string, region: string | undefined, year: number): ReadonlySet<string> {
  const key = `${country}/${region ?? ''}/${year}`;
  let dates = years.get(key);
  if (!dates) {
    const set = new Set<string>();
    for (const holiday of calendarOf(country, region).getHolidays(year)) {
      if (holiday.type !== 'public') continue;
      const first = Date.parse(`${holiday.date.slice(0, 10)}T00:00:00Z`);
      // Local-midnight spans are 23–25 hours around DST; rounding counts whole days.
      const days = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / DAY_MS));
      for (let i = 0; i < days; i++) set.add(new Date(first + i * DAY_MS).toISOString().slice(0, 10));
    }
    dates = set;
    years.set(key, dates);
  }
  return dates;
}

/**
 * Which field names a calendar `date-holidays` does not have, and why; undefined when it has it.
 * (`date-holidays` silently ignores an unknown region, so a typo would quietly drop regional holidays.)
 */
export function unknownHolidayCalendar(country: string, region?: string): { field: 'country' | 'region'; message: string } | undefined {
  countries ??= new Holidays().getCountries();
  if (!(country in countries)) return { field: 'country', message: `"${country}" has no public holiday calendar; use an ISO code such as "US", "GB", "FR" or "DE"` };
  if (region === undefined) return undefined;
  const regions = new Holidays().getStates(country) ?? {};
  if (region in regions) return undefined;
  const known = Object.keys(regions);
  return {
    field: 'region',
    message: known.length === 0 ? `${country} has no regional calendars; remove "${region}"` : `"${region}" is not a region of ${country} (known: ${known.join(', ')})`,
  };
}
