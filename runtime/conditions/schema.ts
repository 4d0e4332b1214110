import { z } from 'zod/v4';

/**
 * The conditions Condition Branch (and anything else) can ask about a contact or an enrollment,
 * over what the shared schema recorded. Parsed once at the edge; `evaluate.ts` trusts the result.
 */

/** Which events count, by when they happened. */
export const sinceSchema = z.discriminatedUnion(
  'from',
  [
    z.object({ from: z.literal('ever') }).strict(),
    /** Since the enrollment started (`enrollments.enrolled_at`). */
    z.object({ from: z.literal('enrollment') }).strict(),
    /** Since the enrollment's step went out (its first outbound message for that step). */
    z.object({ from: z.literal('step'), step: z.string().min(1, { error: 'since.step: name the step, e.g. "invite"' }) }).strict(),
    /** Within the last N days. */
    z.object({ from: z.literal('days'), days: z.number().positive({ error: 'since.days must be a positive number of days' }) }).strict(),
  ],
  { error: 'since.from must be ever, enrollment, step or days' },
);
export type Since = z.infer<typeof sinceSchema>;

const since = sinceSchema.default({ from: 'ever' });
const negate = z.boolean().default(false);

export const REPLY_SCOPES = ['conversation', 'contact', 'company'] as const;
/** `email`, `linkedin` (provider id or public slug), `phone` (phone or WhatsApp number), or any other identity kind. */
export const IDENTITY_GROUPS = ['email', 'linkedin', 'phone', 'whatsapp', 'instagram', 'telegram', 'messenger', 'twitter'] as const;
export const FIELD_OPERATORS = ['equals', 'notEquals', 'contains', 'notContains', 'startsWith', 'gt', 'gte', 'lt', 'lte', 'exists', 'notExists', 'in'] as const;
export type FieldOperator = (typeof FIELD_OPERATORS)[number];
export const DAY_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;

export const conditionSchema = z.discriminatedUnion(
  'type',
  [
    /** A reply in this conversation (the enrollment's or the item's), from the contact on any channel, or from anyone at their company. */
    z.object({ type: z.literal('replied'), scope: z.enum(REPLY_SCOPES).default('contact'), since, negate }).strict(),
    /** An accepted invitation; with `withinDays`, only when accepted within N days of being sent. */
    z.object({ type: z.literal('invitation_accepted'), withinDays: z.number().positive().optional(), since, negate }).strict(),
    z.object({ type: z.literal('email_opened'), since, negate }).strict(),
    /** `urlPattern`: a substring, or a glob with `*` (e.g. "*calendly.com/*"); case-insensitive. */
    z.object({ type: z.literal('link_clicked'), urlPattern: z.string().optional(), since, negate }).strict(),
    z.object({ type: z.literal('bounced'), since, negate }).strict(),
    /** An unsubscribe event, or the contact marked do-not-contact. */
    z.object({ type: z.literal('unsubscribed'), since, negate }).strict(),
    /** The contact's latest reply (any channel) is classified as one of these categories. */
    z
      .object({
        type: z.literal('classified_as'),
        categories: z.array(z.string().min(1)).min(1, { error: 'categories: name at least one category, e.g. ["interested"]' }),
        since,
        negate,
      })
      .strict(),
    /** The contact has at least one identity of these kinds. */
    z
      .object({
        type: z.literal('has_identity'),
        kinds: z.array(z.enum(IDENTITY_GROUPS)).min(1, { error: 'kinds: name at least one identity kind, e.g. ["email"]' }),
        negate,
      })
      .strict(),
    /**
     * A field of the enrollment (`status`, `current_step`, `vars.<key>`, …) or of the contact
     * (`title`, `company`, `attributes.<key>`, …) compared to a value. A name that is not a column
     * is looked up in `vars` / `attributes`.
     */
    z
      .object({
        type: z.literal('field'),
        source: z.enum(['enrollment', 'contact']),
        field: z.string().min(1, { error: 'field: name the field, e.g. "vars.segment" or "title"' }),
        operator: z.enum(FIELD_OPERATORS),
        value: z.union([z.string(), z.number(), z.boolean()]).nullable().optional(),
        negate,
      })
      .strict(),
    /** Whole days since the enrollment started, or since the contact was last written to (any channel). */
    z
      .object({
        type: z.literal('days_since'),
        from: z.enum(['enrolled', 'last_touch']),
        operator: z.enum(DAY_OPERATORS),
        days: z.number().min(0, { error: 'days must be ≥ 0' }),
        negate,
      })
      .strict(),
  ],
  { error: 'type must be replied, invitation_accepted, email_opened, link_clicked, bounced, unsubscribed, classified_as, has_identity, field or days_since' },
);
export type Condition = z.infer<typeof conditionSchema>;
export type ConditionInput = z.input<typeof conditionSchema>;

export const conditionGroupSchema = z
  .object({
    /** `all`: every condition must match; `any`: one is enough. */
    combinator: z.enum(['all', 'any']).default('all'),
    conditions: z.array(conditionSchema).min(1, { error: 'conditions: add at least one condition' }),
  })
  .strict();
export type ConditionGroup = z.infer<typeof conditionGroupSchema>;
export type ConditionGroupInput = z.input<typeof conditionGroupSchema>;

/** Whom the conditions are about: a contact, an enrollment (its contact), and optionally a conversation. */
export interface Subject {
  contactId?: string | null;
  enrollmentId?: string | null;
  conversationId?: string | null;
}

/** Why a condition matched (or what was found): an event, a message, a field value. */
export interface Evidence {
  kind: string;
  at: string | null;
  eventId?: string;
  messageId?: string;
  channel?: string | null;
  contactId?: string;
  detail?: Record<string, unknown>;
}

export interface ConditionResult {
  /** A readable summary, e.g. "replied (contact, since enrollment)". */
  condition: string;
  type: Condition['type'];
  negated: boolean;
  matched: boolean;
  evidence: Evidence[];
}

export interface GroupResult {
  matched: boolean;
  results: ConditionResult[];
}
