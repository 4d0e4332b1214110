import { IANAZone } from 'luxon';
import type { IDataObject } from 'n8n-workflow';
import { type Classification, classificationSchema } from '../../runtime/classify/result';
import type { ReplyInput } from '../../runtime/classify/rules';
import type { HeadersInput } from '../../runtime/classify/text';
import type { WriteBackEntry } from '../../runtime/classify/writeback';

/**
 * What the node classifies for one item: the reply, and where its result is written back. An inbox
 * event is what the Sequencer Trigger emits for `message.received` (`{ event, message, contact,
 * conversation, account, … }`) and what Inbox Upsert outputs; a wrapped `payload` or webhook `body`
 * is accepted too.
 */
export type ItemReply = {
  reply: ReplyInput;
  target: Omit<WriteBackEntry, 'classification'>;
  /** What the runtime's rules pre-filter already made of this message when it was ingested: used as is, no model call. */
  known?: Classification;
};

/** `description` says how to fix it: NodeOperationError shows it under the message. */
export class ItemInputError extends Error {
  constructor(
    message: string,
    readonly description: string,
  ) {
    super(message);
    this.name = 'ItemInputError';
  }
}

const obj = (v: unknown): IDataObject | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as IDataObject) : undefined);
const str = (...values: unknown[]): string | null => {
  for (const v of values) if (typeof v === 'string' && v.trim()) return v.trim();
  return null;
};

export function dateOf(value: unknown, field: string): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const date = new Date(value as string);
  if (Number.isNaN(date.getTime())) throw new ItemInputError(`${field}: ${JSON.stringify(value)} is not a date`, 'Give an ISO date such as 2025-03-03T09:00:00Z, or leave it empty for now');
  return date;
}

const zoneOf = (v: unknown): string | null => (typeof v === 'string' && IANAZone.isValidZone(v) ? v : null);

export function fromInboxEvent(json: IDataObject, fallbackZone: string): ItemReply {
  const root = [json, obj(json.payload), obj(json.body)].find((c) => obj(c?.message));
  const message = obj(root?.message);
  if (!root || !message) {
    throw new ItemInputError(
      'No inbox message on this item: expected $json.message (a message.received event or an Inbox Upsert output)',
      'Connect a Sequencer Trigger listening to message.received or an Inbox Upsert node, or set Text Source to Text Field',
    );
  }
  if (message.direction === 'out') {
    throw new ItemInputError('This message was sent by us (direction "out"), not a reply', 'Only classify inbound messages: filter on $json.message.direction = "in" first');
  }
  const text = message.text ?? message.body_plain ?? message.body ?? null;
  if (text !== null && typeof text !== 'string') throw new ItemInputError('$json.message.text is not text', 'Set Text Source to Text Field and map the reply text');
  const contact = obj(root.contact);
  const raw = obj(message.raw);
  const stored = classificationSchema.safeParse(message.classification);
  return {
    ...(stored.success && stored.data.source === 'rules' ? { known: stored.data } : {}),
    reply: {
      text: text ?? '',
      subject: str(message.subject),
      from: str(message.from, obj(message.sender)?.identifier, obj(message.from_attendee)?.identifier, obj(raw?.from_attendee)?.identifier),
      headers: (message.headers ?? raw?.headers ?? null) as HeadersInput,
      sentAt: dateOf(message.sentAt ?? message.sent_at ?? root.occurredAt, 'message.sentAt'),
      timezone: zoneOf(contact?.timezone) ?? fallbackZone,
    },
    target: {
      messageId: str(message.id),
      providerMessageId: str(message.providerMessageId, message.provider_message_id),
      accountId: str(message.accountId, message.account_id, obj(root.account)?.id),
      contactId: str(contact?.id, message.contactId),
      conversationId: str(obj(root.conversation)?.id, message.conversationId),
      sentAt: dateOf(message.sentAt ?? message.sent_at ?? root.occurredAt, 'message.sentAt'),
    },
  };
}

/** Parsed JSON, null for an empty text, undefined when it is not JSON. */
function jsonOf(text: string): unknown {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function fromField(text: unknown, details: IDataObject, zone: string): ItemReply {
  if (typeof text !== 'string') throw new ItemInputError('Text is not text', 'Map a string field, e.g. {{ $json.body }}');
  const headers = typeof details.headers === 'string' ? jsonOf(details.headers) : (details.headers ?? null);
  if (headers === undefined) throw new ItemInputError('Email Headers is not JSON', 'Give an object such as {"Auto-Submitted": "auto-replied"}');
  const sentAt = dateOf(details.sentAt, 'Sent At');
  return {
    reply: { text, subject: str(details.subject), from: str(details.from), headers: headers as HeadersInput, sentAt, timezone: zone },
    target: { messageId: str(details.messageId), contactId: str(details.contactId), sentAt },
  };
}
