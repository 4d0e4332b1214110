import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod/v4';
import { limitsByActionSchema } from '../limits/policy';
import { delaySchemaFor } from './delay';
import { unknownHolidayCalendar } from './holidays';
import { stepDefinitionSchema } from './steps';

/**
 * A sequence's settings (the `settings` jsonb of `sequences`): its calendar, stop rules and pacing.
 * Parsed once at the edge (API, node, CLI); the engine trusts the parsed value.
 */
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a 24-hour time HH:MM, e.g. "09:00"' });
const isoDate = z.string().refine((v) => DateTime.fromISO(v, { zone: 'UTC' }).isValid && /^\d{4}-\d{2}-\d{2}$/.test(v), {
  error: 'expected a date YYYY-MM-DD',
});

export const timezoneSchema = z.string().refine((v) => IANAZone.isValidZone(v), {
  error: 'expected an IANA time zone such as "Europe/Paris" or "America/New_York"',
});

export const STOP_SCOPES = ['conversation', 'contact', 'company'] as const;
export type StopScope = (typeof STOP_SCOPES)[number];

export const sequenceSettingsSchema = z
  .object({
    /** Zone of the working window; the contact's own zone instead when `useContactTimezone` and known. */
    timezone: timezoneSchema.default('UTC'),
    useContactTimezone: z.boolean().default(false),
    /** ISO weekdays, 1 = Monday … 7 = Sunday. */
    workingDays: z.array(z.number().int().min(1).max(7)).min(1, { error: 'expected at least one working day' }).default([1, 2, 3, 4, 5]),
    workingHours: z
      .object({ start: hhmm, end: hhmm })
      .refine((w) => w.start < w.end, { error: 'workingHours.start must be before workingHours.end' })
      .default({ start: '09:00', end: '17:00' }),
    holidays: z
      .object({
        /** A `date-holidays` country code (e.g. "US", "FR", "DE"); public holidays are skipped. */
        country: z.string().regex(/^[A-Z]{2}$/, { error: 'expected a two-letter country code, e.g. "US"' }).optional(),
        region: z.string().min(1).optional(),
        dates: z.array(isoDate).default([]),
      })
      .superRefine(({ country, region }, ctx) => {
        if (!country) {
          if (region) ctx.addIssue({ code: 'custom', path: ['region'], message: 'a region needs holidays.country too, e.g. { "country": "DE", "region": "BY" }' });
          return;
        }
        const unknown = unknownHolidayCalendar(country, region);
        if (unknown) ctx.addIssue({ code: 'custom', path: [unknown.field], message: unknown.message });
      })
      .default({ dates: [] }),
    /** Random extra delay (deterministic per enrollment and step), inside the window, never earlier. */
    jitterMinutes: z.number().int().min(0).max(240).default(0),
    /**
     * Who a reply stops: only enrollments that wrote in that conversation, every enrollment of the
     * contact on any channel (identity graph), or every contact of the same company domain.
     */
    stopOnReply: z.enum(STOP_SCOPES).default('contact'),
    /** Enrolment refuses contacts who replied (anywhere) within this many days (0 = off). */
    skipIfRepliedWithinDays: z.number().int().min(0).max(3650).default(0),
    /** Per-action Rate Gate overrides for this sequence, e.g. { "invitation": { "daily": 40 } } (docs/limits.md). */
    limits: limitsByActionSchema.default({}),
    /** Optional list of the flow's steps with default delays (runtime/sequences/steps.ts), for simulate and the node. */
    steps: z.array(stepDefinitionSchema).max(200).optional(),
  })
  .strict()
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.steps?.forEach((step, index) => {
      if (seen.has(step.name)) ctx.addIssue({ code: 'custom', path: ['steps', index, 'name'], message: `step "${step.name}" is listed twice: step names must be unique` });
      seen.add(step.name);
      if (!step.delay) return;
      const inWindow = delaySchemaFor(settings).safeParse(step.delay);
      for (const issue of inWindow.error?.issues ?? []) ctx.addIssue({ code: 'custom', path: ['steps', index, 'delay', ...issue.path], message: issue.message });
    });
  });

export type SequenceSettings = z.infer<typeof sequenceSettingsSchema>;

export const DEFAULT_SETTINGS: SequenceSettings = sequenceSettingsSchema.parse({});

/**
 * Settings stored in the database were validated when written. A row that a newer, stricter
 * version refuses keeps everything it can: only the refused top-level keys fall back to defaults.
 */
export function settingsFromRow(settings: unknown): SequenceSettings {
  const raw = settings && typeof settings === 'object' ? { ...(settings as Record<string, unknown>) } : {};
  for (let attempt = 0; attempt < 5; attempt++) {
    const parsed = sequenceSettingsSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const refused = new Set(parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : [String(i.path[0] ?? '')])));
    for (const key of refused) delete raw[key];
    if (refused.has('')) break;
  }
  return DEFAULT_SETTINGS;
}
