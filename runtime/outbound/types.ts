import type { Ctx } from '../context';
import type { Identity } from '../contacts/identity';
import type { Attachment, EmailAddress } from '../unipile/client';
import type { UnipileError } from '../unipile/errors';
import type { OutboundInputError } from './errors';

/** What UniPile Send (node, CLI) asks the runtime to send, and what comes back. */

/** The part of the domain context sends and lookups use. */
export type OutboundCtx = Pick<Ctx, 'pool' | 'schema' | 'dryRun'>;

export type ChatChannel = 'linkedin' | 'whatsapp' | 'instagram' | 'telegram';

/** The Rate Gate's action names for what a send consumes (runtime/limits). */
export type SendAction = 'invitation' | 'message' | 'inmail' | 'email' | 'whatsapp';

export type OutboundContent =
  | { operation: 'message'; text: string; chatId?: string; attachments?: Attachment[] }
  | {
      operation: 'start_chat';
      channel: ChatChannel;
      text: string;
      linkedinApi?: 'classic' | 'sales_navigator';
      inmail?: boolean;
      subject?: string;
      attachments?: Attachment[];
    }
  | { operation: 'invitation'; note?: string }
  | {
      operation: 'email';
      subject?: string;
      /** HTML body; tracking needs HTML. */
      html: string;
      cc?: EmailAddress[];
      bcc?: EmailAddress[];
      from?: EmailAddress;
      /** Reply in the thread of `replyTo`, or of the latest email with the contact on this account. */
      replyInThread?: boolean;
      replyTo?: string;
      tracking?: { opens?: boolean; links?: boolean; label?: string };
      attachments?: Attachment[];
    };

export interface OutboundIntent {
  accountId: string;
  /** Unique per send: a repeat with the same key is answered from the first attempt's row. */
  idempotencyKey: string;
  contactId?: string | null;
  enrollmentId?: string | null;
  step?: string | null;
  /** Normalized identities that came with the item; the contact's stored identities are added. */
  identities?: Identity[];
  /** The recipient's name, for the email `to` display name and a contact created on the way. */
  recipientName?: string;
  content: OutboundContent;
}

/** A `messages` row as callers see it. */
export interface OutboundMessage {
  id: string;
  idempotencyKey: string;
  accountId: string;
  contactId: string | null;
  enrollmentId: string | null;
  step: string | null;
  channel: string | null;
  action: string | null;
  status: 'sending' | 'sent' | 'failed' | 'unknown' | 'dry_run';
  providerMessageId: string | null;
  providerChatId: string | null;
  trackingId: string | null;
  invitationId: string | null;
  sentAt: Date | null;
  error: Record<string, unknown> | null;
}

export type OutboundResult =
  /** `duplicate`: the key was used before; `message` is that attempt, unchanged and not re-sent. */
  | { outcome: 'sent' | 'dry_run' | 'duplicate'; message: OutboundMessage }
  /** Not sent on purpose: `do_not_contact`, or why the enrollment is no longer active. */
  | { outcome: 'skipped'; reason: string; enrollmentStatus: string | null }
  /**
   * `failed`: UniPile refused, nothing went out (may be retried; after a quota error not before
   * `retryAt`, the end of the cooldown it caused); `unknown`: it may have gone out.
   */
  | { outcome: 'failed' | 'unknown'; message: OutboundMessage; error: UnipileError; retryAt?: Date }
  | { outcome: 'invalid'; error: OutboundInputError };
