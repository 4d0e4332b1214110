import { createHash } from 'node:crypto';
import { z } from 'zod/v4';
import type { HeadersInput } from '../classify/text';
import { linkedinSlug, normalizeIdentity, type Identity, type IdentityKind } from '../contacts/identity';
import type { Message as RestMessage, UserRelation } from '../unipile/schemas';
import type { Channel, InboxEvent, MessageEvent, PersonInput, RelationEvent } from './events';
import {
  accountStatusPayloadSchema,
  describeIssues,
  emailPayloadSchema,
  hostedAuthPayloadSchema,
  KNOWN_EVENTS,
  messageActivityPayloadSchema,
  messagingPayloadSchema,
  relationPayloadSchema,
  sourceOfEvent,
  trackingPayloadSchema,
  type Attendee,
  type EmailAttendee,
  type WebhookSource,
} from './payloads';

/**
 * Turns what arrives (a webhook body, a REST message, a relation, mapped fields) into the events the
 * ingest applies, with the delivery's dedupe key (reference unipile-api-v1.md §6.3 routing, §6.5 keys).
 */
export interface Delivery {
  source: WebhookSource;
  event: string | null;
  /** `webhook_events.dedupe_key`. */
  key: string;
  accountId: string | null;
  /** The normalized event (type `ignored` for events we do not apply), or null when `problem` says why not. */
  inbox: InboxEvent | null;
  problem: string | null;
}

const TRACKING_EVENTS = new Set(['mail_opened', 'mail_link_clicked']);

/** Routing rule of DESIGN §4: `AccountStatus` → account status; `event` → by event; `status`+`name` → hosted auth. */
export function readWebhook(body: Record<string, unknown>, receivedAt: Date = new Date()): Delivery {
  if (body.AccountStatus && typeof body.AccountStatus === 'object') return readAccountStatus(body, receivedAt);
  const event = eventNameOf(body);
  if (event) return readEvent(event, body, receivedAt);
  if (typeof body.status === 'string' && 'name' in body) return readHostedAuth(body, receivedAt);
  const key = `unknown:${bodyHash(body)}`;
  return { source: 'unknown', event: null, key, accountId: stringOr(body.account_id), inbox: ignored(key, 'unknown', body, receivedAt), problem: null };
}

/** `event`, or a tracking body that names its event only in `type` (reference §13.2). */
function eventNameOf(body: Record<string, unknown>): string | null {
  if (typeof body.event === 'string' && body.event) return body.event;
  if (typeof body.type === 'string' && TRACKING_EVENTS.has(body.type)) return body.type;
  return null;
}

function readEvent(event: string, rawBody: Record<string, unknown>, receivedAt: Date): Delivery {
  const body: Record<string, unknown> = { ...rawBody, event };
  const source = sourceOfEvent(event);
  const accountId = stringOr(body.account_id);
  const fallbackKey = `${event}:${bodyHash(body)}`;
  const fail = (error: z.ZodError): Delivery => ({ source, event, key: fallbackKey, accountId, inbox: null, problem: `invalid ${event} payload: ${describeIssues(error)}` });
  if (!(event in KNOWN_EVENTS)) {
    return { source, event, key: fallbackKey, accountId, inbox: ignored(fallbackKey, event, body, receivedAt), problem: null };
  }
  switch (event as keyof typeof KNOWN_EVENTS) {
    case 'message_received': {
      const parsed = messagingPayloadSchema.safeParse(body);
      if (!parsed.success) return fail(parsed.error);
      const inbox = messageFromMessaging(parsed.data, body, receivedAt);
      return { source, event, key: inbox.key, accountId: inbox.accountId, inbox, problem: null };
    }
    case 'message_read':
    case 'message_reaction': {
      const parsed = messageActivityPayloadSchema.safeParse(body);
      if (!parsed.success) return fail(parsed.error);
      const p = parsed.data;
      const inbox: InboxEvent = {
        type: 'message_activity',
        key: fallbackKey,
        event,
        action: event === 'message_read' ? 'read' : 'reaction',
        accountId: p.account_id,
        accountProvider: p.account_type ?? null,
        occurredAt: p.timestamp ?? receivedAt,
        chatId: p.chat_id,
        messageId: p.message_id ?? null,
        actorId: p.sender?.attendee_provider_id ?? null,
        ownProviderId: p.account_info?.user_id ?? null,
        raw: body,
      };
      return { source, event, key: fallbackKey, accountId: p.account_id, inbox, problem: null };
    }
    case 'new_relation': {
      const parsed = relationPayloadSchema.safeParse(body);
      if (!parsed.success) return fail(parsed.error);
      const p = parsed.data;
      const inbox = relationEvent({
        accountId: p.account_id,
        accountProvider: p.account_type ?? 'LINKEDIN',
        providerId: p.user_provider_id,
        publicIdentifier: p.user_public_identifier ?? linkedinSlugFromUrl(p.user_profile_url),
        fullName: p.user_full_name ?? null,
        occurredAt: p.timestamp ?? receivedAt,
        event,
        raw: body,
      });
      return { source, event, key: inbox.key, accountId: p.account_id, inbox, problem: null };
    }
    case 'mail_received':
    case 'mail_sent': {
      const parsed = emailPayloadSchema.safeParse(body);
      if (!parsed.success) return fail(parsed.error);
      const inbox = messageFromEmail(parsed.data, body, receivedAt);
      return { source, event, key: inbox.key, accountId: inbox.accountId, inbox, problem: null };
    }
    case 'mail_opened':
    case 'mail_link_clicked': {
      const parsed = trackingPayloadSchema.safeParse(body);
      if (!parsed.success) return fail(parsed.error);
      const p = parsed.data;
      if (!p.account_id) return { source, event, key: fallbackKey, accountId, inbox: null, problem: `invalid ${event} payload: account_id: expected string` };
      const key = p.event_id ? `${event}:${p.event_id}` : fallbackKey;
      const inbox: InboxEvent = {
        type: 'tracking',
        key,
        event,
        action: event === 'mail_opened' ? 'opened' : 'clicked',
        accountId: p.account_id,
        occurredAt: p.date ?? receivedAt,
        trackingId: p.tracking_id ?? null,
        emailId: p.email_id ?? null,
        url: p.url ?? null,
        label: p.label ?? null,
        raw: body,
      };
      return { source, event, key, accountId: p.account_id, inbox, problem: null };
    }
  }
}

function readAccountStatus(body: Record<string, unknown>, receivedAt: Date): Delivery {
  const parsed = accountStatusPayloadSchema.safeParse(body);
  if (!parsed.success) {
    return { source: 'account_status', event: 'account_status', key: `account_status:${bodyHash(body)}`, accountId: null, inbox: null, problem: `invalid AccountStatus payload: ${describeIssues(parsed.error)}` };
  }
  const s = parsed.data.AccountStatus;
  const inbox = accountStatusEvent('account_status', s.account_id, s.message, s.account_type ?? null, null, body, receivedAt);
  return { source: 'account_status', event: 'account_status', key: inbox.key, accountId: s.account_id, inbox, problem: null };
}

function readHostedAuth(body: Record<string, unknown>, receivedAt: Date): Delivery {
  const parsed = hostedAuthPayloadSchema.safeParse(body);
  if (!parsed.success) {
    return { source: 'hosted_auth', event: 'hosted_auth', key: `hosted_auth:${bodyHash(body)}`, accountId: null, inbox: null, problem: `invalid hosted-auth payload: ${describeIssues(parsed.error)}` };
  }
  const p = parsed.data;
  const inbox = accountStatusEvent('hosted_auth', p.account_id, p.status, null, p.name ?? null, body, receivedAt);
  return { source: 'hosted_auth', event: 'hosted_auth', key: inbox.key, accountId: p.account_id, inbox, problem: null };
}

/**
 * Status bodies carry no id or time: the same status for the same account within the same minute is
 * one delivery (UniPile's retries), a later transition to it is a new one. Applying a status twice
 * changes nothing, so a retry that crosses the minute is harmless.
 */
function accountStatusEvent(event: string, accountId: string, status: string, accountProvider: string | null, linkName: string | null, raw: Record<string, unknown>, receivedAt: Date): InboxEvent {
  const minute = new Date(Math.floor(receivedAt.getTime() / 60_000) * 60_000).toISOString();
  return {
    type: 'account_status',
    key: `${event}:${accountId}:${status.toUpperCase()}:${minute}`,
    event,
    accountId,
    accountProvider,
    status: status.toUpperCase(),
    linkName,
    occurredAt: receivedAt,
    raw,
  };
}

function ignored(key: string, event: string, body: Record<string, unknown>, receivedAt: Date): InboxEvent {
  return { type: 'ignored', key, event, accountId: stringOr(body.account_id), occurredAt: receivedAt, raw: body };
}

// ——— messaging ———

function messageFromMessaging(p: z.infer<typeof messagingPayloadSchema>, raw: Record<string, unknown>, receivedAt: Date): MessageEvent {
  const channel = channelOf(p.account_type ?? p.account_info?.type);
  const ownId = p.account_info?.user_id ?? null;
  const senderId = p.sender?.attendee_provider_id ?? null;
  const others = p.attendees.filter((a) => a.attendee_provider_id && a.attendee_provider_id !== senderId && a.attendee_provider_id !== ownId);
  return {
    type: 'message',
    key: `${p.event}:${p.account_id}:${p.message_id}`,
    event: p.event,
    accountId: p.account_id,
    accountProvider: p.account_type ?? p.account_info?.type ?? null,
    occurredAt: p.timestamp ?? receivedAt,
    channel,
    chatId: p.chat_id,
    messageId: p.message_id,
    text: p.message ?? null,
    html: null,
    subject: p.subject ?? null,
    attachments: p.attachments,
    ownProviderId: ownId,
    senderId,
    isSender: p.is_sender,
    sender: p.sender ? personFromAttendee(channel, p.sender) : null,
    recipients: others.map((a) => personFromAttendee(channel, a)).filter((x): x is PersonInput => x !== null),
    trackingId: null,
    inReplyTo: null,
    isEvent: p.is_event === true,
    raw,
  };
}

function personFromAttendee(channel: Channel, a: Attendee): PersonInput | null {
  const identities = identitiesOf(channel, a.attendee_provider_id, a.attendee_public_identifier ?? linkedinSlugFromUrl(a.attendee_profile_url));
  if (identities.length === 0) return null;
  return { identities, fullName: a.attendee_name ?? null, ...splitName(a.attendee_name), title: a.attendee_specifics?.occupation ?? null };
}

// ——— email ———

function messageFromEmail(p: z.infer<typeof emailPayloadSchema>, raw: Record<string, unknown>, receivedAt: Date): MessageEvent {
  const from = p.from_attendee ?? null;
  const senderEmail = from?.identifier ? normalizeIdentity('email', from.identifier) : null;
  const sentFolder = p.role?.toLowerCase() === 'sent' || p.folders.some((f) => /sent/i.test(f));
  return {
    type: 'message',
    key: `${p.event}:${p.account_id}:${p.email_id}`,
    event: p.event,
    accountId: p.account_id,
    accountProvider: null,
    occurredAt: p.date ?? receivedAt,
    channel: 'email',
    chatId: p.thread_id ?? null,
    messageId: p.email_id,
    text: p.body_plain ?? null,
    html: p.body ?? null,
    subject: p.subject ?? null,
    attachments: p.attachments,
    ownProviderId: null,
    senderId: senderEmail,
    fixedDirection: p.event === 'mail_sent' || sentFolder ? 'out' : undefined,
    // A delivery report's sender (mailer-daemon) is no person: the ingest's screening drops it (screening.ts).
    sender: personFromEmail(from),
    recipients: [...p.to_attendees, ...p.cc_attendees].map(personFromEmail).filter((x): x is PersonInput => x !== null),
    trackingId: p.tracking_id ?? null,
    inReplyTo: p.in_reply_to ? { id: p.in_reply_to.id, messageId: p.in_reply_to.message_id } : null,
    isEvent: false,
    headers: headersOf(raw.headers),
    raw,
  };
}

function personFromEmail(a: EmailAttendee | null): PersonInput | null {
  const email = a?.identifier ? normalizeIdentity('email', a.identifier) : null;
  if (!email) return null;
  return { identities: [{ kind: 'email', value: email }], fullName: a?.display_name || null, ...splitName(a?.display_name) };
}

/** Email headers, when the body carries them (a list of `{ name|key, value }` or an object). */
function headersOf(v: unknown): HeadersInput {
  return Array.isArray(v) || (v !== null && typeof v === 'object') ? (v as HeadersInput) : null;
}

// ——— REST (reconciler) ———

export interface KnownAccount {
  id: string;
  provider: string;
  ownProviderId: string | null;
}

/** A message from `GET /messages`: `sender_id` is the provider id, `is_sender` an integer. */
export function eventFromRestMessage(m: RestMessage, account: KnownAccount): MessageEvent {
  const channel = channelOf(account.provider);
  const raw = m as Record<string, unknown>;
  const senderIdentities = identitiesOf(channel, m.sender_id ?? null, null);
  return {
    type: 'message',
    key: `rest_message:${account.id}:${m.id}`,
    event: 'rest_message',
    accountId: account.id,
    accountProvider: account.provider,
    occurredAt: m.timestamp ? new Date(m.timestamp) : new Date(),
    channel,
    chatId: m.chat_id,
    messageId: m.id,
    text: m.text ?? null,
    html: null,
    subject: typeof raw.subject === 'string' ? raw.subject : null,
    attachments: Array.isArray(raw.attachments) ? raw.attachments : [],
    ownProviderId: account.ownProviderId,
    senderId: m.sender_id ?? null,
    isSender: m.is_sender === undefined ? undefined : m.is_sender === true || m.is_sender === 1,
    sender: senderIdentities.length ? { identities: senderIdentities } : null,
    recipients: [],
    trackingId: null,
    inReplyTo: null,
    isEvent: raw.is_event === 1 || raw.is_event === true,
    raw,
  };
}

/** A first-degree relation from `GET /users/relations` that answers a pending invitation. */
export function eventFromRelation(r: UserRelation, accountId: string): RelationEvent {
  const fullName = [r.first_name, r.last_name].filter(Boolean).join(' ') || null;
  return relationEvent({
    accountId,
    accountProvider: 'LINKEDIN',
    providerId: r.member_id,
    publicIdentifier: r.public_identifier ?? null,
    fullName,
    firstName: r.first_name ?? null,
    lastName: r.last_name ?? null,
    occurredAt: typeof r.created_at === 'number' ? new Date(r.created_at) : new Date(),
    event: 'rest_relation',
    raw: r as Record<string, unknown>,
  });
}

function relationEvent(r: {
  accountId: string;
  accountProvider: string | null;
  providerId: string;
  publicIdentifier: string | null;
  fullName: string | null;
  firstName?: string | null;
  lastName?: string | null;
  occurredAt: Date;
  event: string;
  raw: Record<string, unknown>;
}): RelationEvent {
  const names = r.firstName || r.lastName ? { firstName: r.firstName ?? null, lastName: r.lastName ?? null } : splitName(r.fullName);
  return {
    type: 'relation',
    // The same key for the webhook and the reconciler: one acceptance, one delivery.
    key: `new_relation:${r.accountId}:${r.providerId}`,
    event: r.event,
    accountId: r.accountId,
    accountProvider: r.accountProvider,
    occurredAt: r.occurredAt,
    providerId: r.providerId,
    person: { identities: identitiesOf('linkedin', r.providerId, r.publicIdentifier), fullName: r.fullName, ...names },
    raw: r.raw,
  };
}

// ——— mapped fields (Inbox Upsert node) ———

export const mappedMessageSchema = z.object({
  accountId: z.string().trim().min(1, { error: 'the UniPile account id is required' }),
  channel: z.enum(['linkedin', 'whatsapp', 'email', 'instagram', 'telegram', 'messenger', 'twitter']),
  chatId: z.string().trim().min(1, { error: 'the chat (or email thread) id is required' }),
  messageId: z.string().trim().min(1, { error: 'the message id is required: it is what makes a repeat a duplicate' }),
  text: z.string().nullish(),
  subject: z.string().nullish(),
  sentAt: z.union([z.string(), z.date()]).nullish().transform((v, ctx) => {
    if (v === null || v === undefined || v === '') return null;
    const date = v instanceof Date ? v : new Date(v);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: `expected an ISO date, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return date;
  }),
  direction: z.enum(['in', 'out', 'detect']).default('in'),
  /** Needed for `detect`: compared with the account's own provider id. */
  senderId: z.string().trim().nullish(),
  /** The other person: provider id, email address or phone number, per channel. */
  contactIdentifier: z.string().trim().min(1, { error: 'the contact identifier (provider id, email or phone) is required' }),
  contactName: z.string().trim().nullish(),
});
export type MappedMessage = z.infer<typeof mappedMessageSchema>;

export function eventFromFields(f: MappedMessage): MessageEvent {
  const contactIdentities = identitiesOf(f.channel, f.contactIdentifier, null);
  if (contactIdentities.length === 0) throw new Error(`contactIdentifier: ${JSON.stringify(f.contactIdentifier)} is not a valid ${f.channel} identifier`);
  const contact: PersonInput = { identities: contactIdentities, fullName: f.contactName || null, ...splitName(f.contactName) };
  const fixedDirection = f.direction === 'detect' ? undefined : f.direction;
  const senderId = f.senderId || (f.direction === 'in' ? f.contactIdentifier : null);
  if (f.direction === 'detect' && !f.senderId) throw new Error('senderId: direction "detect" compares the sender id with the account\'s own id; map the sender id or choose a direction');
  return {
    type: 'message',
    key: `mapped_message:${f.accountId}:${f.messageId}`,
    event: 'mapped_message',
    accountId: f.accountId,
    accountProvider: null,
    occurredAt: f.sentAt ?? new Date(),
    channel: f.channel,
    chatId: f.chatId,
    messageId: f.messageId,
    text: f.text ?? null,
    html: null,
    subject: f.subject ?? null,
    attachments: [],
    ownProviderId: null,
    senderId,
    fixedDirection,
    // For detect, the contact is the sender unless the sender turns out to be the account itself.
    sender: fixedDirection === 'out' ? null : contact,
    recipients: [contact],
    trackingId: null,
    inReplyTo: null,
    isEvent: false,
    raw: { ...f, sentAt: f.sentAt?.toISOString() ?? null },
  };
}

// ——— helpers ———

const CHANNEL_OF_ACCOUNT: Record<string, Channel> = {
  LINKEDIN: 'linkedin',
  WHATSAPP: 'whatsapp',
  INSTAGRAM: 'instagram',
  TELEGRAM: 'telegram',
  MESSENGER: 'messenger',
  TWITTER: 'twitter',
  MAIL: 'email',
  GOOGLE: 'email',
  GOOGLE_OAUTH: 'email',
  OUTLOOK: 'email',
  ICLOUD: 'email',
  EXCHANGE: 'email',
  IMAP: 'email',
};

export function channelOf(accountType: string | null | undefined): Channel {
  return CHANNEL_OF_ACCOUNT[(accountType ?? '').toUpperCase()] ?? 'other';
}

const IDENTITY_KIND_OF: Partial<Record<Channel, IdentityKind>> = {
  linkedin: 'linkedin',
  whatsapp: 'whatsapp',
  email: 'email',
  instagram: 'instagram',
  telegram: 'telegram',
  messenger: 'messenger',
  twitter: 'twitter',
};

/** The identities a channel's id gives: a WhatsApp id is also the phone number, a LinkedIn slug is kept too. */
function identitiesOf(channel: Channel, providerId: string | null | undefined, publicIdentifier: string | null): Identity[] {
  const kind = IDENTITY_KIND_OF[channel];
  const out: Identity[] = [];
  const value = kind && providerId ? normalizeIdentity(kind, providerId) : null;
  if (kind && value) out.push({ kind, value });
  if (channel === 'whatsapp' && value) out.push({ kind: 'phone', value });
  const slug = channel === 'linkedin' && publicIdentifier ? normalizeIdentity('linkedin_public', publicIdentifier) : null;
  if (slug) out.push({ kind: 'linkedin_public', value: slug });
  return out;
}

/** A profile URL's slug, unless the URL carries the provider id (`/in/ACoAA…`), which is no slug. */
function linkedinSlugFromUrl(url: string | null | undefined): string | null {
  const m = url?.match(/linkedin\.com\/in\/([^/?#]+)/i);
  if (!m || /^AC[ow]A|^AE/.test(m[1])) return null;
  return linkedinSlug(url!);
}

function splitName(name: string | null | undefined): { firstName: string | null; lastName: string | null } {
  const parts = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { firstName: null, lastName: null };
  return { firstName: parts[0], lastName: parts.length > 1 ? parts.slice(1).join(' ') : null };
}

function stringOr(v: unknown): string | null {
  return typeof v === 'string' && v ? v : null;
}

function bodyHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
}
