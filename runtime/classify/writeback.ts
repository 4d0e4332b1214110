import { z } from 'zod/v4';
import { markDoNotContact } from '../contacts/contacts';
import type { Ctx } from '../context';
import { type Queryable, withTransaction } from '../db/pool';
import { pauseUntilReturn } from './away';
import type { Classification } from './result';
import { classifySql } from './sql';
import { isUuid, UUID } from '../db/uuid';

/**
 * Writes classifications back, one transaction per batch: onto the message and its conversation;
 * an `unsubscribe` marks the contact do-not-contact (`unsubscribed`), records an `unsubscribed`
 * engagement event and stops the contact's live enrollments; an `out_of_office` with a return date
 * can pause the contact's active enrollments until the first working moment of that day. The ingest
 * already did both for what the rules caught when the message was stored: doing it again changes
 * nothing (same event key, enrollments already stopped or paused for the out-of-office).
 */
export interface WriteBackEntry {
  /** Our `messages.id`; anything that is not a UUID is taken as UniPile's message id. */
  messageId?: string | null;
  /** UniPile's message id; with `accountId` the lookup is indexed. */
  providerMessageId?: string | null;
  accountId?: string | null;
  /** Who wrote it, when the message is not stored (yet). */
  contactId?: string | null;
  conversationId?: string | null;
  /** When the message was sent, when it is not stored (default: now). */
  sentAt?: Date | null;
  classification: Classification;
}

export interface WriteBackOptions {
  /** Store the result on `messages.classification` and `conversations.classification` (default true). */
  store?: boolean;
  /** On `unsubscribe`: do-not-contact + stop enrollments (default true). */
  markDoNotContact?: boolean;
  /** On `out_of_office` with a return date: pause active enrollments until then (default false). */
  pauseOutOfOffice?: boolean;
}

export interface WriteBackOutcome {
  message: 'found' | 'not_found' | 'not_given';
  messageId: string | null;
  conversationId: string | null;
  contactId: string | null;
  stored: boolean;
  doNotContact: boolean;
  stoppedEnrollments: string[];
  pausedEnrollments: string[];
  pausedUntil: string | null;
}

const uuid = (field: string) =>
  z
    .string()
    .regex(UUID, { error: `expected the Sequencer ${field} id (a UUID), e.g. from the inbox event` })
    .nullish();

const refSchema = z.object({ contactId: uuid('contact'), conversationId: uuid('conversation') });

export class WriteBackError extends Error {
  constructor(
    readonly index: number,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`item ${index}: ${field}: ${problem}`);
    this.name = 'WriteBackError';
  }
}

interface Resolved {
  entry: WriteBackEntry;
  messageId: string | null;
  providerMessageId: string | null;
  accountId: string | null;
  conversationId: string | null;
  contactId: string | null;
  channel: string | null;
  sentAt: Date;
  message: WriteBackOutcome['message'];
}

export async function writeBack(ctx: Ctx, entries: WriteBackEntry[], options: WriteBackOptions = {}): Promise<WriteBackOutcome[]> {
  entries.forEach((entry, index) => {
    const parsed = refSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WriteBackError(index, String(issue.path[0]), issue.message);
    }
  });
  if (entries.length === 0) return [];
  const { store = true, markDoNotContact: markUnsubscribes = true, pauseOutOfOffice = false } = options;

  return withTransaction(ctx.pool, async (tx) => {
    const resolved = await resolve(ctx, tx, entries);
    const outcomes: WriteBackOutcome[] = resolved.map((r) => ({
      message: r.message,
      messageId: r.messageId,
      conversationId: r.conversationId,
      contactId: r.contactId,
      stored: false,
      doNotContact: false,
      stoppedEnrollments: [],
      pausedEnrollments: [],
      pausedUntil: null,
    }));
    if (store) await storeResults(ctx, tx, resolved, outcomes);
    const unsubscribed = markUnsubscribes ? await applyUnsubscribes(ctx, tx, resolved, outcomes) : new Set<string>();
    if (pauseOutOfOffice) await pauseAway(ctx, tx, resolved, outcomes, unsubscribed);
    return outcomes;
  });
}

async function resolve(ctx: Ctx, tx: Queryable, entries: WriteBackEntry[]): Promise<Resolved[]> {
  const lookups = entries.map((e, idx) => {
    const ours = e.messageId && isUuid(e.messageId) ? e.messageId : null;
    const theirs = e.providerMessageId || (e.messageId && !ours ? e.messageId : null);
    return { idx, message_id: ours, provider_message_id: theirs, account_id: e.accountId ?? null };
  });
  const wanted = lookups.filter((l) => l.message_id || l.provider_message_id);
  const { rows } = wanted.length
    ? await tx.query<{ idx: number; id: string; account_id: string; conversation_id: string | null; contact_id: string | null; channel: string | null; sent_at: Date | null }>(
        classifySql.resolveMessages(ctx.schema),
        [JSON.stringify(wanted)],
      )
    : { rows: [] };
  const byIdx = new Map(rows.map((r) => [r.idx, r]));

  const conversationIds = [...new Set(entries.filter((e, i) => !byIdx.get(i)?.conversation_id && e.conversationId).map((e) => e.conversationId!))];
  const { rows: conversations } = conversationIds.length
    ? await tx.query<{ id: string; account_id: string; contact_id: string | null; channel: string }>(classifySql.conversations(ctx.schema), [conversationIds])
    : { rows: [] };
  const conversationById = new Map(conversations.map((c) => [c.id, c]));

  return entries.map((entry, idx) => {
    const row = byIdx.get(idx);
    const conversation = row?.conversation_id ? null : entry.conversationId ? conversationById.get(entry.conversationId) : undefined;
    return {
      entry,
      messageId: row?.id ?? null,
      providerMessageId: lookups[idx].provider_message_id,
      accountId: row?.account_id ?? conversation?.account_id ?? entry.accountId ?? null,
      conversationId: row?.conversation_id ?? conversation?.id ?? null,
      contactId: row?.contact_id ?? conversation?.contact_id ?? entry.contactId ?? null,
      channel: row?.channel ?? conversation?.channel ?? null,
      sentAt: row?.sent_at ?? entry.sentAt ?? new Date(),
      message: row ? 'found' : lookups[idx].message_id || lookups[idx].provider_message_id ? 'not_found' : 'not_given',
    };
  });
}

async function storeResults(ctx: Ctx, tx: Queryable, resolved: Resolved[], outcomes: WriteBackOutcome[]) {
  const classifiedAt = new Date().toISOString();
  const onMessages = resolved.flatMap((r) => (r.messageId ? [{ id: r.messageId, classification: { ...r.entry.classification, classifiedAt } }] : []));
  if (onMessages.length) {
    const { rows } = await tx.query<{ id: string }>(classifySql.storeOnMessages(ctx.schema), [JSON.stringify(onMessages)]);
    const stored = new Set(rows.map((r) => r.id));
    resolved.forEach((r, i) => (outcomes[i].stored = !!r.messageId && stored.has(r.messageId)));
  }
  // One row per conversation: the batch's latest message wins, as it would across batches.
  const latest = new Map<string, Resolved>();
  for (const r of resolved) {
    if (!r.conversationId) continue;
    const current = latest.get(r.conversationId);
    if (!current || current.sentAt <= r.sentAt) latest.set(r.conversationId, r);
  }
  const onConversations = [...latest.values()].map((r) => ({
    id: r.conversationId,
    message_at: r.sentAt.toISOString(),
    classification: { ...r.entry.classification, classifiedAt, messageId: r.messageId, messageAt: r.sentAt.toISOString() },
  }));
  if (onConversations.length) await tx.query(classifySql.storeOnConversations(ctx.schema), [JSON.stringify(onConversations)]);
}

/** Do-not-contact, the `unsubscribed` engagement event and stopped enrollments; returns the contacts. */
async function applyUnsubscribes(ctx: Ctx, tx: Queryable, resolved: Resolved[], outcomes: WriteBackOutcome[]): Promise<Set<string>> {
  const requests = resolved.map((r, i) => ({ r, i })).filter(({ r }) => r.entry.classification.category === 'unsubscribe' && r.contactId);
  if (requests.length === 0) return new Set();
  const contactIds = [...new Set(requests.map(({ r }) => r.contactId!))];
  const { rows: live } = await tx.query<{ id: string; contact_id: string }>(classifySql.liveEnrollmentsOf(ctx.schema), [contactIds]);
  const { stoppedEnrollmentIds } = await markDoNotContact(ctx, tx, contactIds, 'unsubscribed');
  await tx.query(classifySql.recordUnsubscribes(ctx.schema), [
    JSON.stringify(
      requests.map(({ r }) => ({
        contact_id: r.contactId,
        account_id: r.accountId,
        conversation_id: r.conversationId,
        message_id: r.messageId,
        channel: r.channel,
        occurred_at: r.sentAt.toISOString(),
        source_key: `unsubscribed:${r.messageId ?? r.providerMessageId ?? `${r.contactId}:${r.sentAt.toISOString()}`}`,
        data: { via: 'classification', source: r.entry.classification.source, reason: r.entry.classification.reason },
      })),
    ),
  ]);
  const stopped = new Set(stoppedEnrollmentIds);
  for (const { r, i } of requests) {
    outcomes[i].doNotContact = true;
    outcomes[i].stoppedEnrollments = live.filter((e) => e.contact_id === r.contactId && stopped.has(e.id)).map((e) => e.id);
  }
  return new Set(contactIds);
}

/** Out-of-office pauses (runtime/classify/away.ts): one notice per contact, the latest return date. */
async function pauseAway(ctx: Ctx, tx: Queryable, resolved: Resolved[], outcomes: WriteBackOutcome[], unsubscribed: Set<string>) {
  const away = resolved
    .map((r, i) => ({ r, i, returnDate: r.entry.classification.oooReturnDate }))
    .filter(({ r, returnDate }) => r.entry.classification.category === 'out_of_office' && returnDate && r.contactId && !unsubscribed.has(r.contactId));
  if (away.length === 0) return;
  const paused = await pauseUntilReturn(
    ctx,
    tx,
    away.map(({ r, returnDate }) => ({ contactId: r.contactId!, returnDate: returnDate! })),
    { via: 'classification' },
  );
  for (const { r, i } of away) {
    const mine = paused.get(r.contactId!) ?? [];
    outcomes[i].pausedEnrollments = mine.map((p) => p.enrollmentId);
    outcomes[i].pausedUntil = mine.length ? new Date(Math.max(...mine.map((p) => p.until.getTime()))).toISOString() : null;
  }
}
