import { z } from 'zod/v4';
import type { SequenceSettings } from './settings';

/**
 * How long to wait before a step (DESIGN §6.5, docs/calendar.md): an amount of business-clock
 * minutes or hours, of calendar days or business days, or "at HH:MM" local time.
 */
export type Delay = { unit: 'minutes' | 'hours' | 'days' | 'business_days'; amount: number } | { unit: 'at'; time: string };

export const DELAY_UNITS = ['minutes', 'hours', 'days', 'business_days', 'at'] as const;
export type DelayUnit = (typeof DELAY_UNITS)[number];

/** Upper bounds keep a typo ("60000 days") from scheduling into the next decade. */
const MAX_AMOUNT = { minutes: 525_600, hours: 8_760, days: 3_650, business_days: 2_600 } as const;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function amountSchema(unit: keyof typeof MAX_AMOUNT) {
  const wholeUnit = unit === 'days' || unit === 'business_days';
  const base = z
    .number({ error: `amount must be a positive number of ${unit} (or 0 for the next working moment)` })
    .min(0, { error: 'amount must be a positive number (or 0 for the next working moment)' })
    .max(MAX_AMOUNT[unit], { error: `amount must be at most ${MAX_AMOUNT[unit]} ${unit}` });
  return wholeUnit ? base.int({ error: `amount must be a whole number of ${unit}` }) : base;
}

/** The shape of a delay; `delaySchemaFor` adds the check of `at` against a sequence's working window. */
export const delaySchema = z.discriminatedUnion(
  'unit',
  [
    z.object({ unit: z.literal('minutes'), amount: amountSchema('minutes') }).strict(),
    z.object({ unit: z.literal('hours'), amount: amountSchema('hours') }).strict(),
    z.object({ unit: z.literal('days'), amount: amountSchema('days') }).strict(),
    z.object({ unit: z.literal('business_days'), amount: amountSchema('business_days') }).strict(),
    z
      .object({
        unit: z.literal('at'),
        time: z.string({ error: 'time must be a 24-hour local time HH:MM, e.g. "10:30"' }).regex(HHMM, {
          error: 'time must be a 24-hour local time HH:MM, e.g. "10:30"',
        }),
      })
      .strict(),
  ],
  { error: `unit must be one of ${DELAY_UNITS.join(', ')}` },
) satisfies z.ZodType<Delay>;

/**
 * A delay valid for this working window: `at HH:MM` must fall inside it (DESIGN §6.5: a time outside the
 * window is refused when the step is configured). The window is half-open, so its closing time is refused.
 */
export function delaySchemaFor(settings: Pick<SequenceSettings, 'workingHours'>) {
  const { start, end } = settings.workingHours;
  return delaySchema.superRefine((delay, ctx) => {
    if (delay.unit === 'at' && (delay.time < start || delay.time >= end)) {
      ctx.addIssue({
        code: 'custom',
        path: ['time'],
        message: `at ${delay.time} is outside the working window ${start}–${end} and is refused: pick a time from ${start} to before ${end}`,
      });
    }
  });
}

