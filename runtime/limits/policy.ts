import { DateTime } from 'luxon';
import { z } from 'zod/v4';

/**
 * What a Rate Gate reservation must respect for one (account, action): caps per window, spacing
 * between actions, and a warm-up ramp. Defaults follow UniPile's published, conservative
 * recommendations (reference §8, docs/limits.md); `accounts.limits`, the sequence's
 * `settings.limits` and the node's options override them key by key, the most specific winning.
 */
export const BUILT_IN_ACTIONS = ['invitation', 'message', 'inmail', 'profile_view', 'email', 'whatsapp'] as const;
export type BuiltInAction = (typeof BUILT_IN_ACTIONS)[number];

/** A custom action is any other short snake_case name (e.g. `post_comment`); it has no default caps. */
export const actionSchema = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, {
  error: 'action must be invitation, message, inmail, profile_view, email, whatsapp or a snake_case name such as "post_comment"',
});

const cap = z.number({ error: 'expected a whole number ≥ 0, or null for no cap' }).int().min(0).max(1_000_000).nullable();
const seconds = z.number({ error: 'expected a whole number of seconds ≥ 0' }).int().min(0).max(86_400);
const isoDate = z.string().refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && DateTime.fromISO(v, { zone: 'UTC' }).isValid, {
  error: 'expected a date YYYY-MM-DD',
});

/** One action's rule. Every key is optional so each level sets only what it changes. */
export const limitRuleSchema = z
  .object({
    /** Rolling 60 minutes. */
    hourly: cap,
    /** Since the account's local midnight. */
    daily: cap,
    /** Rolling 7 days (the same wall-clock time a week ago, in the account's zone). */
    weekly: cap,
    /** Minimum gap after the previous granted action… */
    minSpacingSeconds: seconds,
    /** …plus up to this many seconds more, so actions do not form a fixed-interval chain. */
    jitterSeconds: seconds,
    /** Warm-up: the daily cap starts at `warmupStart` and grows by `warmupIncrement` per local day, up to `daily`. */
    warmupStart: cap,
    warmupIncrement: z.number({ error: 'expected a whole number ≥ 0' }).int().min(0).max(100_000),
    /** Day 0 of the warm-up (account-local date); otherwise the day of the account's first reservation. */
    warmupFrom: isoDate.nullable(),
  })
  .partial()
  .strict();

export type LimitRule = z.infer<typeof limitRuleSchema>;

/** `{ "<action>": { <rule> } }`: the shape of `accounts.limits` and of a sequence's `settings.limits`. */
export const limitsByActionSchema = z.record(actionSchema, limitRuleSchema);
export type LimitsByAction = z.infer<typeof limitsByActionSchema>;

/** The rule a decision applies: every key resolved. */
export interface EffectiveRule {
  hourly: number | null;
  daily: number | null;
  weekly: number | null;
  minSpacingSeconds: number;
  jitterSeconds: number;
  warmup: { start: number; increment: number; from: string | null } | null;
}

/** The defaults table; docs/limits.md shows the same numbers and where they come from. */
export const DEFAULT_LIMITS: Record<BuiltInAction, LimitRule> = {
  invitation: { hourly: 15, daily: 80, weekly: 200, minSpacingSeconds: 60, jitterSeconds: 120 },
  profile_view: { hourly: 20, daily: 80, weekly: null, minSpacingSeconds: 30, jitterSeconds: 60 },
  message: { hourly: 25, daily: 100, weekly: null, minSpacingSeconds: 30, jitterSeconds: 60 },
  inmail: { hourly: 10, daily: 30, weekly: 150, minSpacingSeconds: 60, jitterSeconds: 120 },
  email: { hourly: 20, daily: 100, weekly: null, minSpacingSeconds: 60, jitterSeconds: 60 },
  whatsapp: { hourly: 15, daily: 50, weekly: null, minSpacingSeconds: 10, jitterSeconds: 10 },
};

/** Bad limits configuration (account row, sequence settings) or a bad request: the message names what to fix. */
export class LimitsInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitsInputError';
  }
}

/** `accounts.limits` as stored; refused with the path of the bad key so an operator can fix the row. */
export function accountLimitsOf(accountId: string, raw: unknown): LimitsByAction {
  const parsed = limitsByActionSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new LimitsInputError(
    `accounts.limits of account ${accountId} is invalid at "${issue.path.join('.')}": ${issue.message}. ` +
      'Fix the row, e.g. {"invitation": {"daily": 40, "weekly": 150}} (docs/limits.md).',
  );
}

/** Defaults ← account ← sequence ← node: the most specific level wins, key by key. */
export function effectiveRule(action: string, ...levels: Array<LimitRule | undefined>): EffectiveRule {
  const base = (DEFAULT_LIMITS as Record<string, LimitRule | undefined>)[action] ?? {};
  const merged: LimitRule = Object.assign({}, base, ...levels.map(definedKeysOf));
  const warmupSet = merged.warmupStart !== undefined && merged.warmupStart !== null;
  if (warmupSet && merged.warmupIncrement === undefined) {
    throw new LimitsInputError(`limits.${action}.warmupIncrement is missing: set it together with warmupStart (e.g. warmupStart 10, warmupIncrement 5)`);
  }
  return {
    hourly: merged.hourly ?? null,
    daily: merged.daily ?? null,
    weekly: merged.weekly ?? null,
    minSpacingSeconds: merged.minSpacingSeconds ?? 0,
    jitterSeconds: merged.jitterSeconds ?? 0,
    warmup: warmupSet ? { start: merged.warmupStart!, increment: merged.warmupIncrement!, from: merged.warmupFrom ?? null } : null,
  };
}

/** `undefined` means "inherit"; `null` (no cap) is an explicit value. */
function definedKeysOf(rule: LimitRule | undefined): LimitRule {
  return Object.fromEntries(Object.entries(rule ?? {}).filter(([, v]) => v !== undefined));
}
