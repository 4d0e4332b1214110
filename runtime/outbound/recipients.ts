import type { Identity, IdentityKind } from '../contacts/identity';
import { checkInvitationNote, type EmailAddress } from '../unipile/client';
import { isUnipileError } from '../unipile/errors';
import { channelOf as channelOfAccount } from '../inbox/normalize';
import type { Thread } from './context';
import { OutboundInputError } from './errors';
import type { OutboundContent, OutboundIntent, SendAction } from './types';

/**
 * Where a send goes, from the recipient's identities (identity graph) and earlier threads:
 * a chat id, a provider id to start a chat with or invite, a LinkedIn profile still to look up
 * just before sending (a public slug, or any id when Sales Navigator needs its own id), or an
 * email address.
 */
export type Address =
  | { kind: 'chat'; chatId: string }
  | { kind: 'attendee'; attendeeId: string }
  | { kind: 'linkedin_lookup'; identifier: string; salesNavigator: boolean }
  | { kind: 'email'; to: EmailAddress; replyTo?: string; subject?: string };

export interface Recipient {
  contactId: string | null;
  identities: Identity[];
  thread?: Thread;
}

/** Input errors that need no database: empty fields, a note over the limit. */
export function checkIntent(intent: OutboundIntent): void {
  const c = intent.content;
  const requireField = (value: string | undefined, field: string, fix: string) => {
    if (!value?.trim()) throw new OutboundInputError('invalid_input', `${field} is empty: ${fix}`);
  };
  requireField(intent.accountId, 'account', 'pick a UniPile account or map the dispatched account ({{ $json.account.id }})');
  requireField(intent.idempotencyKey, 'idempotency key', 'set one that is unique per intended send, e.g. {{ $json.id }}:intro');
  if (c.operation === 'message' || c.operation === 'start_chat') requireField(c.text, 'text', 'write the message text');
  if (c.operation === 'email') requireField(c.html, 'body', 'write the email body');
  if (c.operation === 'invitation') {
    try {
      checkInvitationNote(c.note);
    } catch (error) {
      throw new OutboundInputError('invalid_input', isUnipileError(error) ? (error.detail ?? error.message) : String(error));
    }
  }
}

/** Send in chat without a chat id, and reply in thread without an email id, use the latest thread. */
export function needsThread(content: OutboundContent): boolean {
  return (content.operation === 'message' && !content.chatId) || (content.operation === 'email' && Boolean(content.replyInThread) && !content.replyTo);
}

export function addressOf(intent: OutboundIntent, recipient: Recipient): Address {
  const c = intent.content;
  const who = recipient.contactId ? `contact ${recipient.contactId}` : 'the recipient of this item';
  const first = (...kinds: IdentityKind[]) => kinds.map((k) => recipient.identities.find((i) => i.kind === k)).find(Boolean)?.value;
  const missing = (what: string, fix: string) => new OutboundInputError('missing_identity', `${who} has no ${what}. ${fix}`);
  switch (c.operation) {
    case 'message': {
      const chatId = c.chatId || recipient.thread?.chatId;
      if (chatId) return { kind: 'chat', chatId };
      throw missing(
        `chat on account ${intent.accountId}`,
        'Set Chat ID, or open the conversation first with the Start Chat operation (or an accepted invitation).',
      );
    }
    case 'invitation':
      return linkedinAddress(recipient, false, missing);
    case 'start_chat': {
      if (c.channel === 'linkedin') return linkedinAddress(recipient, c.linkedinApi === 'sales_navigator', missing);
      if (c.channel === 'whatsapp') {
        const phone = first('whatsapp', 'phone');
        if (phone) return { kind: 'attendee', attendeeId: `${phone.replace(/^\+/, '')}@s.whatsapp.net` };
        throw missing('phone number (identity "whatsapp" or "phone")', 'Add the number in E.164 form, e.g. +33612345678.');
      }
      const id = first(c.channel);
      if (id) return { kind: 'attendee', attendeeId: id };
      throw missing(`${c.channel} id (identity "${c.channel}")`, `Add the contact's ${c.channel} id or map it in the recipient field.`);
    }
    case 'email': {
      const email = first('email');
      if (!email) throw missing('email address (identity "email")', 'Add an email address to the contact or map it in the recipient field.');
      const to = { identifier: email, ...(intent.recipientName ? { displayName: intent.recipientName } : {}) };
      if (!c.replyInThread) return { kind: 'email', to };
      const replyTo = c.replyTo || recipient.thread?.emailId || undefined;
      if (!replyTo) {
        throw missing(
          `earlier email on account ${intent.accountId} to reply to`,
          'Set Reply To Email ID, or turn off Reply In Thread for the first email of the thread.',
        );
      }
      const earlier = c.replyTo ? undefined : recipient.thread?.emailSubject;
      return { kind: 'email', to, replyTo, subject: c.subject || (earlier ? `Re: ${earlier.replace(/^(re:\s*)+/i, '')}` : undefined) };
    }
  }
}

/** Sales Navigator has its own member ids: they are always looked up with `linkedin_api=sales_navigator`. */
function linkedinAddress(recipient: Recipient, salesNavigator: boolean, missing: (what: string, fix: string) => OutboundInputError): Address {
  const providerId = recipient.identities.find((i) => i.kind === 'linkedin')?.value;
  if (providerId && !salesNavigator) return { kind: 'attendee', attendeeId: providerId };
  const identifier = providerId ?? recipient.identities.find((i) => i.kind === 'linkedin_public')?.value;
  if (identifier) return { kind: 'linkedin_lookup', identifier, salesNavigator };
  throw missing(
    'LinkedIn provider id (identity "linkedin", ACoAA…) and no public profile slug or URL (identity "linkedin_public") to resolve it from',
    'Add the LinkedIn profile URL to the contact, or run UniPile Send → Profile → Get first.',
  );
}

/** The Rate Gate action a send consumes; cooldowns are recorded under it. */
export function sendActionOf(content: OutboundContent, accountProvider: string | undefined): SendAction {
  switch (content.operation) {
    case 'invitation':
      return 'invitation';
    case 'email':
      return 'email';
    case 'start_chat':
      if (content.channel === 'whatsapp') return 'whatsapp';
      return content.channel === 'linkedin' && content.inmail ? 'inmail' : 'message';
    case 'message':
      return channelOfAccount(accountProvider) === 'whatsapp' ? 'whatsapp' : 'message';
  }
}

/** `messages.channel` of a send. */
export function channelOf(content: OutboundContent, accountProvider: string | undefined): string | null {
  switch (content.operation) {
    case 'invitation':
      return 'linkedin';
    case 'email':
      return 'email';
    case 'start_chat':
      return content.channel;
    case 'message':
      return accountProvider === undefined || accountProvider === 'UNKNOWN' ? null : channelOfAccount(accountProvider);
  }
}
