import type { Classification } from '../classify/result';
import { applyRules } from '../classify/rules';
import { normalizeIdentity } from '../contacts/identity';
import type { MessageEvent } from './events';

/**
 * What a new inbound message is before the ingest treats it as a reply (DESIGN §6.2): the classify
 * rules pre-filter (runtime/classify/rules.ts, no model call) reads its text, subject, sender and
 * email headers.
 * - no rule matched → `reply`: it stops sequences per their stop rules, as any answer does;
 * - `unsubscribe` → a reply that also asks to stop: do-not-contact, the person's sequences stop `unsubscribed`;
 * - `out_of_office` → not a reply: with a return date the person's active sequences pause until then;
 * - `auto_reply` → not a reply: nothing stops;
 * - `bounce` (email) → not a reply: the person it bounced for is stopped `bounced`. A "bounce" on a
 *   chat channel cannot be a delivery report of ours, so it is only an automatic message there.
 */
export type InboundKind = 'reply' | 'unsubscribe' | 'out_of_office' | 'auto_reply' | 'bounce';

export interface Screening {
  kind: InboundKind;
  /** The rules' result, stored on `messages.classification`; null when no rule matched. */
  classification: Classification | null;
  /** A bounce: the addresses the report names as failed (may be empty when unreadable). */
  bouncedAddresses: string[];
}

export const countsAsReply = (kind: InboundKind) => kind === 'reply' || kind === 'unsubscribe';

export function screenInbound(e: MessageEvent): Screening {
  const classification = applyRules({
    text: e.text ?? '',
    subject: e.subject,
    from: e.channel === 'email' ? senderOf(e) : null,
    headers: e.headers,
    sentAt: e.occurredAt,
  });
  const category = classification?.category;
  if (category === 'bounce') {
    if (e.channel !== 'email') return { kind: 'auto_reply', classification, bouncedAddresses: [] };
    return { kind: 'bounce', classification, bouncedAddresses: bouncedAddresses(e.text ?? e.html ?? '') };
  }
  const kind: InboundKind = category === 'unsubscribe' || category === 'out_of_office' || category === 'auto_reply' ? category : 'reply';
  return { kind, classification, bouncedAddresses: [] };
}

/** `Name <address>`, as the rules read a sender ("Mail Delivery Subsystem <mailer-daemon@…>"). */
function senderOf(e: MessageEvent): string | null {
  if (!e.senderId) return null;
  return e.sender?.fullName ? `${e.sender.fullName} <${e.senderId}>` : e.senderId;
}

const FINAL_RECIPIENT = /(?:final|original)-recipient:\s*rfc822;\s*<?([^\s<>;]+@[^\s<>;]+)>?/gi;

/** The recipients a delivery-status report names (`Final-Recipient` / `Original-Recipient`). */
function bouncedAddresses(body: string): string[] {
  const found = [...body.matchAll(FINAL_RECIPIENT)].map((m) => normalizeIdentity('email', m[1])).filter((x): x is string => x !== null);
  return [...new Set(found)];
}
