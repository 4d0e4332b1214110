import type { Classification } from '../classify/result';
import type { HeadersInput } from '../classify/text';
import type { Identity } from '../contacts/identity';

/**
 * What the one ingest applies: UniPile webhook bodies, REST messages found by the reconciler and
 * fields mapped in the Inbox Upsert node are all normalized into these events first (normalize.ts).
 */
export const CHANNELS = ['linkedin', 'whatsapp', 'email', 'instagram', 'telegram', 'messenger', 'twitter', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];

export type Direction = 'in' | 'out';

/** A person as a payload names them; identities are already normalized. */
export interface PersonInput {
  identities: Identity[];
  fullName?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  title?: string | null;
}

interface EventBase {
  /** The delivery's dedupe key (`webhook_events.dedupe_key`; reference §6.5). */
  key: string;
  /** UniPile's event name, or `account_status`, `hosted_auth`, `rest_message`, `mapped_message`. */
  event: string;
  accountId: string;
  /** UniPile account type when the payload says it (`LINKEDIN`, `MAIL`, …). */
  accountProvider?: string | null;
  occurredAt: Date;
  raw: Record<string, unknown>;
}

export interface MessageEvent extends EventBase {
  type: 'message';
  channel: Channel;
  /** UniPile chat id; for email the thread id, or null to resolve from `inReplyTo` (else the email id). */
  chatId: string | null;
  messageId: string;
  text: string | null;
  html: string | null;
  subject: string | null;
  attachments: unknown[];
  /** The account's own provider id as the payload states it (`account_info.user_id`). */
  ownProviderId: string | null;
  /** Who wrote it: provider id, or lower-case email address. */
  senderId: string | null;
  /** UniPile's `is_sender`: only consulted when an id is missing (DESIGN §6.3). */
  isSender?: boolean;
  /** Set when the event itself says the direction (`mail_sent`, a Sent folder, mapped fields). */
  fixedDirection?: Direction;
  sender: PersonInput | null;
  /** The other attendees; the contact of an outbound message is the first of them. */
  recipients: PersonInput[];
  trackingId: string | null;
  /** Email: the email this one answers (UniPile id and RFC Message-ID). */
  inReplyTo: { id: string | null; messageId: string | null } | null;
  /** A LinkedIn event message (a reaction, a group change, a missed call): kept, but never a reply. */
  isEvent: boolean;
  /** Email headers when the payload carries them (`Auto-Submitted`, `X-Autoreply`…): the screening reads them. */
  headers?: HeadersInput;
}

export interface RelationEvent extends EventBase {
  type: 'relation';
  providerId: string;
  person: PersonInput;
}

export interface TrackingEvent extends EventBase {
  type: 'tracking';
  action: 'opened' | 'clicked';
  trackingId: string | null;
  emailId: string | null;
  url: string | null;
  label: string | null;
}

export interface AccountStatusEvent extends EventBase {
  type: 'account_status';
  status: string;
  /** The hosted-auth link's `name` (your own tenant id), only on the notify callback. */
  linkName: string | null;
}

export interface MessageActivityEvent extends EventBase {
  type: 'message_activity';
  action: 'read' | 'reaction';
  chatId: string;
  messageId: string | null;
  actorId: string | null;
  ownProviderId: string | null;
}

export interface IgnoredEvent extends Omit<EventBase, 'accountId'> {
  type: 'ignored';
  accountId: string | null;
}

export type InboxEvent = MessageEvent | RelationEvent | TrackingEvent | AccountStatusEvent | MessageActivityEvent | IgnoredEvent;

/** An enrollment the ingest moved, for node output and notifications. */
export interface EnrollmentChange {
  enrollmentId: string;
  sequenceId: string;
  contactId: string;
  reason?: string;
  step?: string | null;
  /** A timed pause (out of office): when it resumes by itself. */
  until?: string;
}

export interface IngestOutcome {
  key: string;
  event: string;
  status: 'processed' | 'ignored';
  /** A message, engagement event or account status this ingest saw for the first time. */
  isNew: boolean;
  direction?: Direction;
  account?: { id: string; provider: string; status: string; ownProviderId: string | null } | null;
  contact?: { id: string; created: boolean; fullName: string | null; companyDomain: string | null } | null;
  conversation?: { id: string; providerChatId: string; channel: string; unreadCount: number } | null;
  message?: {
    id: string;
    providerMessageId: string;
    direction: Direction;
    text: string | null;
    subject: string | null;
    sentAt: string;
    /** The echo of a send we had recorded (UniPile Send): matched, not duplicated. */
    matchedSend: boolean;
    enrollmentId: string | null;
    /** What the rules pre-filter made of an inbound message (`source: "rules"`), as stored; null when no rule matched. */
    classification: Classification | null;
  } | null;
  /** An inbound message that counts as a reply (runtime/inbox/screening.ts); false for everything else. */
  isReply?: boolean;
  engagement?: { kind: string; id: string } | null;
  stopped: EnrollmentChange[];
  woken: EnrollmentChange[];
  paused: EnrollmentChange[];
  resumed: EnrollmentChange[];
}

export function emptyOutcome(event: InboxEvent, status: IngestOutcome['status'] = 'processed'): IngestOutcome {
  return { key: event.key, event: event.event, status, isNew: false, stopped: [], woken: [], paused: [], resumed: [] };
}
