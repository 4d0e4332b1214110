import { z } from 'zod/v4';

/**
 * UniPile v1 webhook bodies (reference unipile-api-v1.md §6.3), validated tolerantly: only the fields
 * the ingest relies on are checked, every object is loose (unknown fields stay, the whole body is kept
 * in `raw`), and the variations seen in the wild are accepted and normalized here once:
 * attachments as an object or an array, `is_sender` as a boolean, 0/1 or missing, the email id as
 * `email_id` or `id`, `in_reply_to` as an object or a string, nested `user{}`/`relation{}` on
 * `new_relation`, tracking events named in `type` instead of `event`.
 */
const text = z.string().nullish();

/** true/false, 1/0, "true"/"1"; missing or null → undefined (the direction rule then knows nothing). */
const flag = z
  .union([z.boolean(), z.number(), z.string()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : v === true || v === 1 || v === 'true' || v === '1'));

/** ISO string, or epoch seconds / milliseconds. */
export const timestampSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const date = typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v) : new Date(v);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO date or epoch time, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return date;
});

const toList = (v: unknown): unknown[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The docs show one attachment object, live bodies an array: always an array here. */
const attachments = z.unknown().transform(toList);

const strings = z.unknown().transform((v) => toList(v).filter((x): x is string => typeof x === 'string'));

export const attendeeSchema = z.looseObject({
  attendee_id: text,
  attendee_provider_id: text,
  attendee_name: text,
  attendee_profile_url: text,
  attendee_public_identifier: text,
  attendee_specifics: z.looseObject({ provider: text, occupation: text, is_company: flag }).nullish(),
});
export type Attendee = z.infer<typeof attendeeSchema>;

export const messagingPayloadSchema = z.looseObject({
  event: z.string(),
  account_id: z.string().min(1),
  account_type: text,
  account_info: z.looseObject({ type: text, feature: text, user_id: text }).nullish(),
  webhook_name: text,
  chat_id: z.string().min(1),
  message_id: z.string().min(1),
  message: text,
  timestamp: timestampSchema.nullish(),
  subject: text,
  sender: attendeeSchema.nullish(),
  attendees: z.array(attendeeSchema).nullish().transform((v) => v ?? []),
  attachments,
  is_sender: flag,
  is_group: flag,
  is_event: flag,
  provider_chat_id: text,
  provider_message_id: text,
  message_type: text,
  folder: strings,
});
export type MessagingPayload = z.infer<typeof messagingPayloadSchema>;

/** `message_read` / `message_reaction`: the chat and message they are about; the rest stays in raw. */
export const messageActivityPayloadSchema = z.looseObject({
  event: z.string(),
  account_id: z.string().min(1),
  account_type: text,
  account_info: z.looseObject({ user_id: text }).nullish(),
  chat_id: z.string().min(1),
  message_id: text,
  timestamp: timestampSchema.nullish(),
  sender: attendeeSchema.nullish(),
});
export type MessageActivityPayload = z.infer<typeof messageActivityPayloadSchema>;

/** `new_relation`, with the nested `user{}` / `relation{}` variants flattened onto the documented keys. */
export const relationPayloadSchema = z.preprocess(
  flattenRelation,
  z.looseObject({
    event: z.string(),
    account_id: z.string().min(1),
    account_type: text,
    user_full_name: text,
    user_provider_id: z.string().min(1),
    user_public_identifier: text,
    user_profile_url: text,
    user_picture_url: text,
    timestamp: timestampSchema.nullish(),
  }),
);
export type RelationPayload = z.infer<typeof relationPayloadSchema>;

function flattenRelation(body: unknown): unknown {
  if (!body || typeof body !== 'object') return body;
  const flat: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const nestedKey of ['relation', 'user']) {
    const nested = flat[nestedKey];
    if (!nested || typeof nested !== 'object' || Array.isArray(nested)) continue;
    for (const [key, value] of Object.entries(nested as Record<string, unknown>)) {
      const documented = key.startsWith('user_') ? key : `user_${key}`;
      if (flat[documented] === undefined || flat[documented] === null) flat[documented] = value;
    }
  }
  return flat;
}

export const emailAttendeeSchema = z.looseObject({ display_name: text, identifier: text, identifier_type: text });
export type EmailAttendee = z.infer<typeof emailAttendeeSchema>;

const emailAttendees = z
  .unknown()
  .transform(toList)
  .pipe(z.array(emailAttendeeSchema));

/** `in_reply_to` is `{message_id, id}`, sometimes a bare string (whose kind of id is unknown: try both). */
const inReplyTo = z
  .union([z.string(), z.looseObject({ message_id: text, id: text })])
  .nullish()
  .transform((v) => (typeof v === 'string' ? { id: v, message_id: v } : v ? { id: v.id ?? null, message_id: v.message_id ?? null } : null));

export const emailPayloadSchema = z
  .looseObject({
    event: z.string(),
    email_id: text,
    id: text,
    account_id: z.string().min(1),
    webhook_name: text,
    date: timestampSchema.nullish(),
    from_attendee: emailAttendeeSchema.nullish(),
    to_attendees: emailAttendees,
    cc_attendees: emailAttendees,
    reply_to_attendees: emailAttendees,
    subject: text,
    body: text,
    body_plain: text,
    message_id: text,
    provider_id: text,
    thread_id: text,
    in_reply_to: inReplyTo,
    tracking_id: text,
    role: text,
    folders: strings,
    origin: text,
    attachments,
  })
  .transform((v, ctx) => {
    const emailId = v.email_id || v.id;
    if (!emailId) {
      ctx.addIssue({ code: 'custom', path: ['email_id'], message: 'expected the email id in email_id or id' });
      return z.NEVER;
    }
    return { ...v, email_id: emailId };
  });
export type EmailPayload = z.infer<typeof emailPayloadSchema>;

export const trackingPayloadSchema = z.looseObject({
  event: z.string(),
  event_id: text,
  tracking_id: text,
  email_id: text,
  account_id: text,
  date: timestampSchema.nullish(),
  ip: text,
  user_agent: text,
  url: text,
  label: text,
  custom_domain: text,
});
export type TrackingPayload = z.infer<typeof trackingPayloadSchema>;

export const accountStatusPayloadSchema = z.looseObject({
  AccountStatus: z.looseObject({
    account_id: z.string().min(1),
    account_type: text,
    message: z.string().min(1),
  }),
});
export type AccountStatusPayload = z.infer<typeof accountStatusPayloadSchema>;

/** The hosted-auth `notify_url` callback. */
export const hostedAuthPayloadSchema = z.looseObject({
  status: z.string().min(1),
  account_id: z.string().min(1),
  name: text,
});
export type HostedAuthPayload = z.infer<typeof hostedAuthPayloadSchema>;

/** Events the ingest applies, by UniPile source. Anything else is stored `ignored`. */
export const KNOWN_EVENTS = {
  message_received: 'messaging',
  message_read: 'messaging',
  message_reaction: 'messaging',
  new_relation: 'users',
  mail_received: 'email',
  mail_sent: 'email',
  mail_opened: 'email_tracking',
  mail_link_clicked: 'email_tracking',
} as const;
export type KnownEvent = keyof typeof KNOWN_EVENTS;
export type WebhookSource = (typeof KNOWN_EVENTS)[KnownEvent] | 'account_status' | 'hosted_auth' | 'unknown';

/** Unknown events of a known family still get their source, from the event name's prefix. */
export function sourceOfEvent(event: string): WebhookSource {
  if (event in KNOWN_EVENTS) return KNOWN_EVENTS[event as KnownEvent];
  if (event.startsWith('message_')) return 'messaging';
  if (event.startsWith('mail_')) return 'email';
  return 'unknown';
}

/** "sender.attendee_provider_id: expected string" — for `webhook_events.error` and node errors. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}
