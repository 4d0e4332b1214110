import { IANAZone } from 'luxon';

/**
 * Wall-clock arithmetic in an IANA zone. A wall time is written as "local milliseconds": the instant
 * that wall time would be if the zone were UTC, so calendar-day arithmetic is plain integer arithmetic
 * and DST only matters when turning a wall time into a real instant (`resolve`).
 */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** A local calendar day, as the local milliseconds of its midnight. */
export type LocalDay = number;

export const dayOf = (localMs: number): LocalDay => Math.floor(localMs / DAY_MS) * DAY_MS;
export const timeOfDayOf = (localMs: number): number => localMs - dayOf(localMs);
/** ISO weekday, 1 = Monday … 7 = Sunday. */
export const weekdayOf = (day: LocalDay): number => ((Math.floor(day / DAY_MS) + 3) % 7 + 7) % 7 + 1;
export const isoDateOf = (day: LocalDay): string => new Date(day).toISOString().slice(0, 10);
export const yearOf = (day: LocalDay): number => new Date(day).getUTCFullYear();

/** "HH:MM" → milliseconds after local midnight. */
export function parseClock(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h * 60 + m) * MINUTE_MS;
}

/** When a wall time shows twice (clocks going back), which of the two instants is meant. */
export type Occurrence = 'first' | 'last';

export class WallClock {
  private readonly zone: IANAZone;

  constructor(readonly zoneName: string) {
    this.zone = IANAZone.create(zoneName);
    if (!this.zone.isValid) throw new Error(`unknown IANA time zone "${zoneName}"`);
  }

  /** The wall time an instant shows in this zone. */
  local(instant: number): number {
    return instant + this.zone.offset(instant) * MINUTE_MS;
  }

  /**
   * The instant at which the clocks show `localMs`. Clocks going back show it twice: `occurrence` picks
   * one. Clocks going forward skip it: then the instant of the jump, the first one whose wall time is
   * past it, so a window opening or closing inside a skipped hour still opens or closes at the jump.
   */
  resolve(localMs: number, occurrence: Occurrence): number {
    // Offsets around it: real zones change offset at most once in any three days.
    const offsets = new Set([-36, 0, 36].map((hours) => this.zone.offset(localMs + hours * 3_600_000)));
    const candidates = [...offsets].map((offset) => localMs - offset * MINUTE_MS);
    const exact = candidates.filter((instant) => this.local(instant) === localMs);
    if (exact.length > 0) return occurrence === 'first' ? Math.min(...exact) : Math.max(...exact);
    // Skipped: bisect for the first instant whose wall time is past it (the wall time only jumps forward here).
    let lo = Math.min(...candidates);
    let hi = Math.max(...candidates);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.local(mid) >= localMs) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}
