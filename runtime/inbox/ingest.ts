import { pauseUntilReturn } from '../classify/away';
import type { Classification } from '../classify/result';
import { markDoNotContact } from '../contacts/contacts';
import { upsertContacts, type ContactInput } from '../contacts/upsert';
import type { Ctx } from '../context';
import { withTransaction, type Queryable } from '../db/pool';
import { enqueueNotifications, type Notification } from '../subscriptions/events';
import { append, applyAccountStatus, changeOf, CONNECTED_STATUSES, planReplyStops, stopContacts, stopPlanned, wakeContacts } from './effects';
import {
  emptyOutcome,
  type AccountStatusEvent,
  type Direction,
  type EnrollmentChange,
  type InboxEvent,
  type IngestOutcome,
  type MessageActivityEvent,
  type MessageEvent,
  type PersonInput,
  type RelationEvent,
  type TrackingEvent,
} from './events';
import { countsAsReply, screenInbound, type Screening } from './screening';
import { inboxSql } from './sql';

/**
 * The one ingest (DESIGN §2): the webhook endpoint, the reconciler and the Inbox Upsert node all
 * hand their events here. In the caller's transaction it upserts accounts, contacts (identity
 * graph), conversations and messages, screens inbound messages (a reply, or an automatic one:
 * screening.ts), records engagement events, applies their effects on enrollments (stop, wake,
 * pause, resume — pending jobs cancelled in the same transaction) and
 * queues the notifications for subscribed flows. Everything is keyed, so ingesting the same thing
 * twice changes nothing. A batch costs a fixed number of statements, not one set per event.
 */
export async function ingest(ctx: Ctx, tx: Queryable, events: InboxEvent[]): Promise<IngestOutcome[]> {
  const outcomes = events.map((e) => emptyOutcome(e, e.type === 'ignored' ? 'ignored' : 'processed'));
  const run: Run = { ctx, tx, outcomes, notifications: [], accounts: await ensureAccounts(ctx, tx, events) };
  for (const [idx, e] of events.entries()) run.outcomes[idx].account = accountRef(run.accounts.get(e.accountId ?? ''));
  const of = <T extends InboxEvent['type']>(type: T) =>
    events.flatMap((event, idx) => (event.type === type ? [{ idx, event: event as Extract<InboxEvent, { type: T }> }] : []));

  for (const item of of('account_status')) await ingestAccountStatus(run, item);
  await ingestMessages(run, of('message'));
  await ingestRelations(run, of('relation'));
  await ingestTracking(run, of('tracking'));
  await ingestActivity(run, of('message_activity'));
  await enqueueNotifications(ctx, tx, run.notifications);
  return outcomes;
}

/** `ingest` in its own transaction. */
export function ingestEvents(ctx: Ctx, events: InboxEvent[]): Promise<IngestOutcome[]> {
  return withTransaction(ctx.pool, (tx) => ingest(ctx, tx, events));
}

interface AccountRow {
  id: string;
  provider: string;
  own_provider_id: string | null;
  status: string;
}

interface Run {
  ctx: Ctx;
  tx: Queryable;
  outcomes: IngestOutcome[];
  notifications: Notification[];
  accounts: Map<string, AccountRow>;
}

interface Item<E> {
  idx: number;
  event: E;
}

// ——— accounts ———

/** Every account an event names exists afterwards; what a payload adds (type, own id) is filled in. */
async function ensureAccounts(ctx: Ctx, tx: Queryable, events: InboxEvent[]): Promise<Map<string, AccountRow>> {
  const wanted = new Map<string, { id: string; provider: string | null; own_provider_id: string | null }>();
  for (const e of events) {
    if (!e.accountId || e.type === 'ignored') continue;
    const own = e.type === 'message' || e.type === 'message_activity' ? e.ownProviderId : null;
    const prev = wanted.get(e.accountId);
    wanted.set(e.accountId, { id: e.accountId, provider: e.accountProvider ?? prev?.provider ?? null, own_provider_id: own ?? prev?.own_provider_id ?? null });
  }
  if (wanted.size === 0) return new Map();
  const s = ctx.schema;
  const found = await tx.query<AccountRow>(inboxSql.ensureAccounts(s), [JSON.stringify([...wanted.values()])]);
  const accounts = new Map(found.rows.map((r) => [r.id, r]));
  const missing = [...wanted.keys()].filter((id) => !accounts.has(id));
  // Created by a concurrent transaction after this statement's snapshot: read it again.
  if (missing.length) for (const r of (await tx.query<AccountRow>(inboxSql.accountsById(s), [missing])).rows) accounts.set(r.id, r);
  const incomplete = [...wanted.values()].filter((w) => {
    const a = accounts.get(w.id)!;
    return (w.own_provider_id && w.own_provider_id !== a.own_provider_id) || (w.provider && w.provider !== a.provider);
  });
  if (incomplete.length) for (const r of (await tx.query<AccountRow>(inboxSql.completeAccounts(s), [JSON.stringify(incomplete)])).rows) accounts.set(r.id, r);
  return accounts;
}

async function ingestAccountStatus(run: Run, { idx, event }: Item<AccountStatusEvent>): Promise<void> {
  const status = CONNECTED_STATUSES.has(event.status) ? 'OK' : event.status;
  const { rows } = await run.tx.query<AccountRow & { previous: string | null }>(inboxSql.setAccountStatus(run.ctx.schema), [event.accountId, status, event.linkName]);
  const account = rows[0];
  run.accounts.set(account.id, account);
  const { paused, resumed } = await applyAccountStatus(run.ctx, run.tx, event.accountId, status);
  const outcome = run.outcomes[idx];
  Object.assign(outcome, { account: accountRef(account), paused, resumed, isNew: account.previous !== status || paused.length + resumed.length > 0 });
  if (outcome.isNew) {
    run.notifications.push({
      event: 'account.status',
      sourceKey: event.key,
      occurredAt: event.occurredAt,
      payload: { account: outcome.account, unipileStatus: event.status, previousStatus: account.previous, paused, resumed, ...(event.linkName ? { linkName: event.linkName } : {}) },
    });
  }
}

// ——— messages ———

interface MessageRow {
  id: string;
  account_id: string;
  provider_message_id: string;
  direction: Direction;
  enrollment_id: string | null;
  conversation_id: string | null;
  contact_id: string | null;
  sent_at: Date | null;
  status: string;
  classification: Classification | null;
  inserted?: boolean;
}

interface ConversationRow {
  id: string;
  account_id: string;
  provider_chat_id: string;
  contact_id: string | null;
  channel: string;
  unread_count: number;
}

interface ParentRow {
  idx: number;
  id: string;
  conversation_id: string | null;
  provider_chat_id: string | null;
  contact_id: string | null;
  enrollment_id: string | null;
}

/** Own messages echoed by UniPile are outbound (DESIGN §6.3): ids first, `is_sender` only when one is missing. */
export function directionOf(e: MessageEvent, ownProviderId: string | null): Direction {
  if (e.fixedDirection) return e.fixedDirection;
  if (e.senderId && ownProviderId) return e.senderId.toLowerCase() === ownProviderId.toLowerCase() ? 'out' : 'in';
  return e.isSender === true ? 'out' : 'in';
}

async function ingestMessages(run: Run, items: Item<MessageEvent>[]): Promise<void> {
  if (items.length === 0) return;
  const { ctx, tx } = run;
  const s = ctx.schema;
  const direction = new Map(items.map(({ idx, event }) => [idx, directionOf(event, run.accounts.get(event.accountId)?.own_provider_id ?? event.ownProviderId)]));

  // Email: the message it answers gives the thread (and, for a bounce, the person); an inbound email carrying
  // the tracking id of one of ours answers that one.
  const parentIds = (e: MessageEvent) => [e.inReplyTo?.id, e.inReplyTo?.messageId].filter((v): v is string => !!v);
  const inboundTracking = (idx: number, e: MessageEvent) => (direction.get(idx) === 'in' ? e.trackingId : null);
  const withParent = items.filter(({ idx, event }) => parentIds(event).length || inboundTracking(idx, event));
  const parents = new Map<number, ParentRow>();
  if (withParent.length) {
    const rows = await tx.query<ParentRow>(inboxSql.parentMessages(s), [
      JSON.stringify(withParent.map(({ idx, event }) => ({ idx, account_id: event.accountId, ids: parentIds(event), tracking_id: inboundTracking(idx, event) }))),
    ]);
    for (const r of rows.rows) parents.set(r.idx, r);
  }

  // What each inbound message is before it counts as a reply: the classify rules, no model call (screening.ts).
  const screenings = new Map(items.filter(({ idx, event }) => direction.get(idx) === 'in' && !event.isEvent).map(({ idx, event }) => [idx, screenInbound(event)]));
  const isBounce = (idx: number) => screenings.get(idx)?.kind === 'bounce';

  // The person: the sender of an inbound message (a delivery report's daemon is none), the other attendee of an outbound one.
  const personOf = (idx: number, e: MessageEvent): PersonInput | null => (isBounce(idx) ? null : direction.get(idx) === 'in' ? e.sender : (e.recipients[0] ?? null));
  const contacts = await upsertPeople(run, items.map(({ idx, event }) => ({ idx, person: personOf(idx, event) })));
  const contactOf = (idx: number) => contacts.get(idx)?.contactId ?? parents.get(idx)?.contact_id ?? null;

  const chatOf = (idx: number, e: MessageEvent) => e.chatId ?? parents.get(idx)?.provider_chat_id ?? e.messageId;
  const conversations = await ensureConversations(
    run,
    items.map(({ idx, event }) => ({ account_id: event.accountId, provider_chat_id: chatOf(idx, event), contact_id: contactOf(idx), channel: event.channel, subject: event.subject })),
  );
  const conversationOf = (idx: number, e: MessageEvent) => conversations.get(`${e.accountId}\u0000${chatOf(idx, e)}`)!;

  // Echoes of sends we recorded before UniPile gave them an id take that id now.
  const outbound = items.filter(({ idx }) => direction.get(idx) === 'out');
  const confirmed = new Set<number>();
  if (outbound.length) {
    const rows = await tx.query<{ idx: number; id: string }>(inboxSql.confirmRecordedSends(s), [
      JSON.stringify(
        outbound.map(({ idx, event }) => ({
          idx,
          account_id: event.accountId,
          provider_chat_id: chatOf(idx, event),
          provider_message_id: event.messageId,
          conversation_id: conversationOf(idx, event).id,
          contact_id: contactOf(idx),
          text: comparableText(event.text),
          tracking_id: event.trackingId,
          sent_at: event.occurredAt,
        })),
      ),
    ]);
    for (const r of rows.rows) confirmed.add(r.idx);
  }

  // One row per (account, provider id) in the batch; later repeats share the first one's outcome.
  const firstOf = new Map<string, number>();
  const unique = items.filter(({ idx, event }) => {
    const k = `${event.accountId}\u0000${event.messageId}`;
    if (firstOf.has(k)) return false;
    firstOf.set(k, idx);
    return true;
  });
  const upserted = await tx.query<MessageRow>(inboxSql.upsertMessages(s), [
    JSON.stringify(
      unique.map(({ idx, event }) => ({
        account_id: event.accountId,
        conversation_id: conversationOf(idx, event).id,
        contact_id: contactOf(idx),
        provider_message_id: event.messageId,
        provider_chat_id: chatOf(idx, event),
        channel: event.channel,
        direction: direction.get(idx),
        text: event.text,
        html: event.html,
        subject: event.subject,
        attachments: event.attachments,
        sent_at: event.occurredAt,
        status: direction.get(idx) === 'in' ? 'received' : 'sent',
        tracking_id: event.trackingId,
        classification: stored(screenings.get(idx)?.classification),
        raw: event.raw,
      })),
    ),
  ]);
  const messageKey = (accountId: string, providerMessageId: string) => `${accountId}\u0000${providerMessageId}`;
  const rows = new Map(upserted.rows.map((r) => [messageKey(r.account_id, r.provider_message_id), r]));
  // Returned by the upsert: inserted, or a known row that got what it lacked (a recorded send confirmed).
  const written = new Set(rows.keys());
  const known = unique.filter(({ event }) => !written.has(messageKey(event.accountId, event.messageId)));
  if (known.length) {
    const found = await tx.query<MessageRow>(inboxSql.messagesByProviderId(s), [known.map((k) => k.event.accountId), known.map((k) => k.event.messageId)]);
    for (const r of found.rows) rows.set(messageKey(r.account_id, r.provider_message_id), { ...r, inserted: false });
  }
  const rowOf = (e: MessageEvent) => rows.get(messageKey(e.accountId, e.messageId))!;
  const wasWritten = (e: MessageEvent) => written.has(messageKey(e.accountId, e.messageId));

  const fresh = unique.filter(({ event }) => rowOf(event).inserted);
  const changed = unique.filter(({ idx, event }) => wasWritten(event) || confirmed.has(idx));
  const unread = await touchConversations(run, changed.map(({ idx, event }) => ({ conversationId: conversationOf(idx, event).id, contactId: contactOf(idx), direction: rowOf(event).direction, event })));

  // Effects of what is new and inbound: replies stop sequences, out-of-office notices pause them, bounces stop the person's.
  const effects = await applyInbound(
    run,
    fresh
      .filter(({ idx, event }) => rowOf(event).direction === 'in' && screenings.has(idx))
      .map(({ idx, event }) => ({
        idx,
        event,
        screening: screenings.get(idx)!,
        contactId: contactOf(idx),
        conversationId: conversationOf(idx, event).id,
        chatId: chatOf(idx, event),
        messageId: rowOf(event).id,
        parent: parents.get(idx) ?? null,
      })),
  );

  for (const { idx, event } of items) {
    const first = firstOf.get(`${event.accountId}\u0000${event.messageId}`)!;
    const row = rowOf(event);
    const conversation = conversationOf(first, event);
    const outcome = run.outcomes[idx];
    const contact = contacts.get(first);
    outcome.isNew = first === idx && !!row.inserted;
    outcome.direction = row.direction;
    outcome.contact = contactOf(first) ? { id: contactOf(first)!, created: contact?.created ?? false, fullName: contact?.fullName ?? null, companyDomain: contact?.companyDomain ?? null } : null;
    outcome.conversation = { id: conversation.id, providerChatId: conversation.provider_chat_id, channel: conversation.channel, unreadCount: unread.get(conversation.id) ?? conversation.unread_count };
    outcome.message = {
      id: row.id,
      providerMessageId: row.provider_message_id,
      direction: row.direction,
      text: event.text,
      subject: event.subject,
      sentAt: (row.sent_at ?? event.occurredAt).toISOString(),
      matchedSend: row.direction === 'out' && !row.inserted && (confirmed.has(first) || wasWritten(event)),
      enrollmentId: row.enrollment_id,
      classification: row.classification ?? null,
    };
    if (first !== idx) continue;
    const screening = screenings.get(idx);
    outcome.isReply = row.direction === 'in' && !!screening && countsAsReply(screening.kind);
    outcome.stopped = effects.stopped.get(idx) ?? [];
    outcome.paused = effects.paused.get(idx) ?? [];
    outcome.woken = effects.woken.get(idx) ?? [];
    outcome.engagement = effects.engagement.get(idx) ?? null;
    if (outcome.isNew && row.direction === 'in') {
      run.notifications.push({
        event: 'message.received',
        sourceKey: `message:${event.accountId}:${event.messageId}`,
        occurredAt: event.occurredAt,
        payload: {
          account: outcome.account,
          contact: outcome.contact,
          conversation: outcome.conversation,
          message: { ...outcome.message, channel: event.channel, attachments: event.attachments },
          isReply: outcome.isReply,
          bounced: isBounce(idx),
          stoppedEnrollments: outcome.stopped,
          pausedEnrollments: outcome.paused,
          wokenEnrollments: outcome.woken,
        },
      });
    }
  }
}

/** A new inbound message, screened, with where the ingest stored it. */
interface Inbound {
  idx: number;
  event: MessageEvent;
  screening: Screening;
  contactId: string | null;
  conversationId: string;
  chatId: string;
  /** Our `messages.id`. */
  messageId: string;
  parent: ParentRow | null;
}

interface InboundEffects {
  stopped: Map<number, EnrollmentChange[]>;
  paused: Map<number, EnrollmentChange[]>;
  woken: Map<number, EnrollmentChange[]>;
  engagement: Map<number, { kind: string; id: string }>;
}

/**
 * What new inbound messages do, by what the screening made of them (screening.ts):
 * - a reply records `reply` and stops enrollments per each sequence's stop rules; enrollments of the
 *   person it left running that wait for `reply` wake up;
 * - an unsubscribe is a reply too, and also records `unsubscribed`, marks the person do-not-contact
 *   and stops every one of their enrollments `unsubscribed` (colleagues' as the stop rules say);
 * - an out-of-office with a return date pauses the person's active enrollments until then;
 * - a bounce records `bounced` and stops the enrollments of the person it bounced for;
 * - an automatic reply (and an out-of-office without a date) changes nothing.
 * Stops are gated on the engagement event recorded now, so a message found again acts once.
 */
async function applyInbound(run: Run, inbound: Inbound[]): Promise<InboundEffects> {
  const { ctx, tx } = run;
  const effects: InboundEffects = { stopped: new Map(), paused: new Map(), woken: new Map(), engagement: new Map() };
  if (inbound.length === 0) return effects;
  const byIdx = new Map(inbound.map((m) => [m.idx, m]));
  const dataOf = (idx: number) => {
    const m = byIdx.get(idx)!;
    return { accountId: m.event.accountId, channel: m.event.channel, conversationId: m.conversationId, messageId: m.messageId };
  };

  const replies = inbound.filter((m) => countsAsReply(m.screening.kind) && m.contactId);
  const unsubscribes = replies.filter((m) => m.screening.kind === 'unsubscribe');
  const plans = (
    await planReplyStops(
      ctx,
      tx,
      replies.map((m) => ({ idx: m.idx, contactId: m.contactId!, accountId: m.event.accountId, conversationId: m.conversationId, chatId: m.chatId, sentAt: m.event.occurredAt })),
    )
  ).map((p) => (p.own && byIdx.get(p.idx)!.screening.kind === 'unsubscribe' ? { ...p, reason: 'unsubscribed' as const } : p));
  const bounces = inbound.filter((m) => m.screening.kind === 'bounce');
  const bouncedContacts = await bouncedContactsOf(run, bounces);

  const engagementRow = (m: Inbound, kind: string, contactId: string, sourceKey: string, enrollmentId: string | null, data: Record<string, unknown>): EngagementRow => ({
    idx: m.idx,
    contact_id: contactId,
    account_id: m.event.accountId,
    conversation_id: m.conversationId,
    message_id: m.messageId,
    enrollment_id: enrollmentId,
    channel: m.event.channel,
    kind,
    occurred_at: m.event.occurredAt,
    source_key: sourceKey,
    data,
  });
  const engagement = [
    ...replies.map((m) =>
      engagementRow(m, 'reply', m.contactId!, `reply:${m.event.accountId}:${m.event.messageId}`, plans.find((p) => p.idx === m.idx && p.inConversation)?.enrollmentId ?? m.parent?.enrollment_id ?? null, {}),
    ),
    // The same key as AI Classify's write-back records for this message: one event whoever sees it first.
    ...unsubscribes.map((m) =>
      engagementRow(m, 'unsubscribed', m.contactId!, `unsubscribed:${m.messageId}`, m.parent?.enrollment_id ?? null, { via: 'ingest', source: 'rules', reason: m.screening.classification!.reason }),
    ),
    ...bounces.flatMap((m) =>
      (bouncedContacts.get(m.idx) ?? []).map((contactId) =>
        engagementRow(m, 'bounced', contactId, `bounced:${m.event.accountId}:${m.event.messageId}:${contactId}`, m.parent?.enrollment_id ?? null, {
          subject: m.event.subject,
          recipients: m.screening.bouncedAddresses,
        }),
      ),
    ),
  ];
  const recorded = await insertEngagement(run, engagement);
  const isRecorded = (idx: number, kind: string) => engagement.some((e) => e.idx === idx && e.kind === kind && recorded.has(e.source_key));
  for (const e of engagement) if (recorded.has(e.source_key) && !effects.engagement.has(e.idx)) effects.engagement.set(e.idx, { kind: e.kind, id: recorded.get(e.source_key)! });

  const merge = (into: Map<number, EnrollmentChange[]>, from: Map<number, EnrollmentChange[]>) => {
    for (const [idx, changes] of from) append(into, idx, changes);
  };
  merge(effects.stopped, await stopPlanned(ctx, tx, plans.filter((p) => isRecorded(p.idx, 'reply')), dataOf));
  // Do-not-contact stops what the stop rules left running too (another conversation, a later enrollment).
  for (const m of unsubscribes.filter((u) => isRecorded(u.idx, 'unsubscribed'))) {
    const { stopped } = await markDoNotContact(ctx, tx, [m.contactId!], 'unsubscribed', dataOf(m.idx));
    append(effects.stopped, m.idx, stopped.map((r) => changeOf(r, 'unsubscribed')));
  }
  const bounced = bounces.filter((m) => isRecorded(m.idx, 'bounced'));
  merge(effects.stopped, await stopContacts(ctx, tx, new Map(bounced.map((m) => [m.idx, bouncedContacts.get(m.idx) ?? []])), 'bounced', dataOf));

  const away = inbound.filter((m) => m.screening.kind === 'out_of_office' && m.screening.classification?.oooReturnDate && m.contactId);
  const paused = await pauseUntilReturn(
    ctx,
    tx,
    away.map((m) => ({ contactId: m.contactId!, returnDate: m.screening.classification!.oooReturnDate! })),
    { via: 'ingest' },
  );
  for (const m of away) {
    const changes = (paused.get(m.contactId!) ?? []).map((p) => ({ enrollmentId: p.enrollmentId, sequenceId: p.sequenceId, contactId: p.contactId, step: p.step, reason: 'out_of_office', until: p.until.toISOString() }));
    append(effects.paused, m.idx, changes);
  }

  // A reply wakes what it did not stop and waits for it (e.g. a `conversation`-scoped sequence that wrote elsewhere).
  const answered = replies.filter((m) => m.screening.kind === 'reply' && isRecorded(m.idx, 'reply'));
  merge(effects.woken, await wakeContacts(ctx, tx, new Map(answered.map((m) => [m.idx, m.contactId!])), 'reply', dataOf));
  return effects;
}

/** Inbound classifications are stored as AI Classify's write-back stores them (with `classifiedAt`). */
function stored(classification: Classification | null | undefined): Record<string, unknown> | null {
  return classification ? { ...classification, classifiedAt: new Date().toISOString() } : null;
}

/** Whitespace-insensitive text, as the recorded-send match compares it. */
function comparableText(text: string | null): string | null {
  const t = text?.replace(/\s+/g, ' ').trim();
  return t ? t : null;
}

async function ensureConversations(run: Run, wanted: { account_id: string; provider_chat_id: string; contact_id: string | null; channel: string; subject: string | null }[]) {
  const key = (a: string, c: string) => `${a}\u0000${c}`;
  const unique = [...new Map(wanted.map((w) => [key(w.account_id, w.provider_chat_id), w])).values()];
  const s = run.ctx.schema;
  const { rows } = await run.tx.query<ConversationRow & { created: boolean }>(inboxSql.ensureConversations(s), [JSON.stringify(unique)]);
  const found = new Map<string, ConversationRow>(rows.map((r) => [key(r.account_id, r.provider_chat_id), r]));
  const created = rows.filter((r) => r.created).map((r) => r.id);
  if (created.length) await run.tx.query(inboxSql.adoptMessages(s), [created]);
  const missing = unique.filter((w) => !found.has(key(w.account_id, w.provider_chat_id)));
  if (missing.length) {
    const again = await run.tx.query<ConversationRow>(inboxSql.conversationsByChat(s), [missing.map((m) => m.account_id), missing.map((m) => m.provider_chat_id)]);
    for (const r of again.rows) found.set(key(r.account_id, r.provider_chat_id), r);
  }
  return found;
}

/** Timestamps, contact, subject and unread count of the conversations that got a new or confirmed message. */
async function touchConversations(run: Run, changes: { conversationId: string; contactId: string | null; direction: Direction; event: MessageEvent }[]): Promise<Map<string, number>> {
  if (changes.length === 0) return new Map();
  const later = (a: Date | null, b: Date) => (a && a > b ? a : b);
  const rows = new Map<string, { id: string; contact_id: string | null; subject: string | null; last_at: Date | null; last_in: Date | null; last_out: Date | null }>();
  for (const c of changes) {
    const r = rows.get(c.conversationId) ?? { id: c.conversationId, contact_id: null, subject: null, last_at: null, last_in: null, last_out: null };
    const at = c.event.occurredAt;
    r.contact_id ??= c.contactId;
    r.subject ??= c.event.subject;
    r.last_at = later(r.last_at, at);
    if (c.direction === 'in') r.last_in = later(r.last_in, at);
    else r.last_out = later(r.last_out, at);
    rows.set(c.conversationId, r);
  }
  const ordered = [...rows.values()].sort((a, b) => a.id.localeCompare(b.id));
  const { rows: updated } = await run.tx.query<{ id: string; unread_count: number }>(inboxSql.touchConversations(run.ctx.schema), [JSON.stringify(ordered)]);
  return new Map(updated.map((r) => [r.id, r.unread_count]));
}

async function bouncedContactsOf(run: Run, bounces: Inbound[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  const addresses = [...new Set(bounces.flatMap((m) => m.screening.bouncedAddresses))];
  const owners = new Map<string, string>();
  if (addresses.length) {
    const { rows } = await run.tx.query<{ value: string; contact_id: string }>(inboxSql.contactsByEmail(run.ctx.schema), [addresses]);
    for (const r of rows) owners.set(r.value, r.contact_id);
  }
  for (const m of bounces) {
    // The email it answers names the person; else the report's failed recipients.
    const fromParent = m.parent?.contact_id;
    const ids = fromParent ? [fromParent] : m.screening.bouncedAddresses.map((a) => owners.get(a)).filter((x): x is string => !!x);
    out.set(m.idx, [...new Set(ids)]);
  }
  return out;
}

// ——— contacts ———

interface PersonMatch {
  contactId: string;
  created: boolean;
  fullName: string | null;
  companyDomain: string | null;
}

/**
 * Finds or creates each person through the identity graph. Names and titles from payloads only fill
 * what a contact lacks: what an operator imported is never overwritten by a network display name.
 */
async function upsertPeople(run: Run, people: { idx: number; person: PersonInput | null }[]): Promise<Map<number, PersonMatch>> {
  const withIdentity = people.filter((p): p is { idx: number; person: PersonInput } => !!p.person && p.person.identities.length > 0);
  if (withIdentity.length === 0) return new Map();
  const s = run.ctx.schema;
  const inputs: ContactInput[] = withIdentity.map(({ person }) => ({ identities: person.identities }));
  const matches = await upsertContacts(run.tx, s, inputs);
  const names = withIdentity.map(({ person }, i) => ({
    id: matches[i].contactId,
    full_name: person.fullName ?? null,
    first_name: person.firstName ?? null,
    last_name: person.lastName ?? null,
    title: person.title ?? null,
  }));
  const unique = [...new Map(names.map((n) => [n.id, n])).values()].sort((a, b) => a.id.localeCompare(b.id));
  const { rows } = await run.tx.query<{ id: string; full_name: string | null; company_domain: string | null }>(inboxSql.fillContactNames(s), [JSON.stringify(unique)]);
  const details = new Map(rows.map((r) => [r.id, r]));
  return new Map(
    withIdentity.map(({ idx }, i) => [idx, { ...matches[i], fullName: details.get(matches[i].contactId)?.full_name ?? null, companyDomain: details.get(matches[i].contactId)?.company_domain ?? null }]),
  );
}

// ——— engagement ———

interface EngagementRow {
  idx: number;
  contact_id: string | null;
  account_id: string;
  conversation_id: string | null;
  message_id: string | null;
  enrollment_id: string | null;
  channel: string | null;
  kind: string;
  occurred_at: Date;
  source_key: string;
  data: Record<string, unknown>;
}

/** Inserts engagement events; returns source_key → id of those recorded now (not seen before). */
async function insertEngagement(run: Run, rows: EngagementRow[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const unique = [...new Map(rows.map((r) => [r.source_key, r])).values()];
  const { rows: inserted } = await run.tx.query<{ id: string; source_key: string }>(inboxSql.insertEngagement(run.ctx.schema), [JSON.stringify(unique)]);
  return new Map(inserted.map((r) => [r.source_key, r.id]));
}

async function ingestRelations(run: Run, items: Item<RelationEvent>[]): Promise<void> {
  if (items.length === 0) return;
  const contacts = await upsertPeople(run, items.map(({ idx, event }) => ({ idx, person: event.person })));
  const rows: EngagementRow[] = items.map(({ idx, event }) => ({
    idx,
    contact_id: contacts.get(idx)!.contactId,
    account_id: event.accountId,
    conversation_id: null,
    message_id: null,
    enrollment_id: null,
    channel: 'linkedin',
    kind: 'invitation_accepted',
    occurred_at: event.occurredAt,
    source_key: `invitation_accepted:${event.accountId}:${event.providerId}`,
    data: { providerId: event.providerId, via: event.event },
  }));
  const recorded = await insertEngagement(run, rows);
  const fresh = rows.filter((r) => recorded.has(r.source_key));
  const woken = await wakeContacts(run.ctx, run.tx, new Map(fresh.map((r) => [r.idx, r.contact_id!])), 'invitation_accepted', (idx) => ({ accountId: rows.find((r) => r.idx === idx)!.account_id }));
  for (const { idx, event } of items) {
    const row = rows.find((r) => r.idx === idx)!;
    const contact = contacts.get(idx)!;
    const outcome = run.outcomes[idx];
    outcome.contact = { id: contact.contactId, created: contact.created, fullName: contact.fullName, companyDomain: contact.companyDomain };
    outcome.isNew = recorded.has(row.source_key) && fresh.find((r) => r.source_key === row.source_key)!.idx === idx;
    outcome.woken = outcome.isNew ? (woken.get(idx) ?? []) : [];
    if (!outcome.isNew) continue;
    outcome.engagement = { kind: 'invitation_accepted', id: recorded.get(row.source_key)! };
    run.notifications.push({
      event: 'invitation.accepted',
      sourceKey: row.source_key,
      occurredAt: event.occurredAt,
      payload: { account: outcome.account, contact: outcome.contact, providerId: event.providerId, wokenEnrollments: outcome.woken },
    });
  }
}

interface TrackedRow {
  idx: number;
  id: string;
  contact_id: string | null;
  enrollment_id: string | null;
  conversation_id: string | null;
  channel: string | null;
  provider_message_id: string | null;
}

async function ingestTracking(run: Run, items: Item<TrackingEvent>[]): Promise<void> {
  if (items.length === 0) return;
  const { rows: tracked } = await run.tx.query<TrackedRow>(inboxSql.trackedMessages(run.ctx.schema), [
    JSON.stringify(items.map(({ idx, event }) => ({ idx, account_id: event.accountId, tracking_id: event.trackingId, email_id: event.emailId }))),
  ]);
  const messageOf = new Map(tracked.map((t) => [t.idx, t]));
  const kindOf = (e: TrackingEvent) => (e.action === 'opened' ? 'email_opened' : 'link_clicked');
  const rows: EngagementRow[] = items.map(({ idx, event }) => {
    const m = messageOf.get(idx);
    return {
      idx,
      contact_id: m?.contact_id ?? null,
      account_id: event.accountId,
      conversation_id: m?.conversation_id ?? null,
      message_id: m?.id ?? null,
      enrollment_id: m?.enrollment_id ?? null,
      channel: 'email',
      kind: kindOf(event),
      occurred_at: event.occurredAt,
      source_key: `${kindOf(event)}:${event.key}`,
      data: { trackingId: event.trackingId, emailId: event.emailId, url: event.url, label: event.label },
    };
  });
  const recorded = await insertEngagement(run, rows);
  const woken = new Map<number, EnrollmentChange[]>();
  for (const kind of ['email_opened', 'link_clicked']) {
    const fresh = rows.filter((r) => r.kind === kind && r.contact_id && recorded.has(r.source_key));
    const moved = await wakeContacts(run.ctx, run.tx, new Map(fresh.map((r) => [r.idx, r.contact_id!])), kind, (idx) => ({ messageId: messageOf.get(idx)?.id ?? null }));
    for (const [idx, changes] of moved) woken.set(idx, changes);
  }
  for (const { idx, event } of items) {
    const row = rows[items.findIndex((i) => i.idx === idx)];
    const m = messageOf.get(idx);
    const outcome = run.outcomes[idx];
    outcome.isNew = recorded.has(row.source_key);
    outcome.contact = m?.contact_id ? { id: m.contact_id, created: false, fullName: null, companyDomain: null } : null;
    outcome.woken = woken.get(idx) ?? [];
    if (!outcome.isNew) continue;
    outcome.engagement = { kind: row.kind, id: recorded.get(row.source_key)! };
    run.notifications.push({
      event: event.action === 'opened' ? 'email.opened' : 'email.clicked',
      sourceKey: row.source_key,
      occurredAt: event.occurredAt,
      payload: {
        account: outcome.account,
        contact: outcome.contact,
        message: m ? { id: m.id, providerMessageId: m.provider_message_id, enrollmentId: m.enrollment_id } : null,
        trackingId: event.trackingId,
        url: event.url,
        label: event.label,
        wokenEnrollments: outcome.woken,
      },
    });
  }
}

async function ingestActivity(run: Run, items: Item<MessageActivityEvent>[]): Promise<void> {
  const reads = items.filter(({ event }) => event.action === 'read');
  if (reads.length === 0) return;
  const rows = reads.map(({ event }) => {
    const own = run.accounts.get(event.accountId)?.own_provider_id ?? event.ownProviderId;
    return {
      account_id: event.accountId,
      provider_chat_id: event.chatId,
      provider_message_id: event.messageId,
      read_at: event.occurredAt,
      by_owner: event.actorId && own ? event.actorId === own : null,
    };
  });
  await run.tx.query(inboxSql.markRead(run.ctx.schema), [JSON.stringify(rows)]);
}

function accountRef(a: AccountRow | undefined): IngestOutcome['account'] {
  return a ? { id: a.id, provider: a.provider, status: a.status, ownProviderId: a.own_provider_id } : null;
}
