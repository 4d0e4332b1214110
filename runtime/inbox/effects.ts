import { contactReadSql } from '../contacts/sql';
import type { Ctx } from '../context';
import type { Queryable } from '../db/pool';
import type { ReasonCode } from '../sequences/reasons';
import { resumeWithCalendar } from '../sequences/scheduler';
import { settingsFromRow } from '../sequences/settings';
import { pauseEnrollments, stopEnrollments, wakeEnrollments, type EnrollmentRow } from '../sequences/transitions';
import type { EnrollmentChange } from './events';
import { inboxSql } from './sql';

/**
 * What an ingested event does to enrollments, inside the ingest transaction: a reply or a bounce
 * stops them (their pending jobs are cancelled by the same transaction), an acceptance, open,
 * click or a reply that stopped nothing wakes the ones waiting for it, an account disconnect pauses
 * the account's enrollments and its reconnection resumes exactly those. (Out-of-office pauses:
 * runtime/classify/away.ts; what counts as a reply: screening.ts.)
 */
export interface Reply {
  idx: number;
  contactId: string;
  accountId: string;
  conversationId: string;
  chatId: string;
  sentAt: Date;
}

export interface StopPlan {
  idx: number;
  enrollmentId: string;
  reason: ReasonCode;
  /** An enrollment of the replier (not a colleague's). */
  own: boolean;
  /** The enrollment wrote in the conversation the reply came in. */
  inConversation: boolean;
}

interface Candidate {
  idx: number;
  id: string;
  sequence_id: string;
  contact_id: string;
  account_id: string | null;
  settings: unknown;
  own: boolean;
  sent_in_conversation: boolean;
  sent_on_account: boolean;
}

/**
 * Which live enrollments each reply stops, per each sequence's `stopOnReply`:
 * `conversation` — only enrollments that wrote in that conversation; `contact` — every enrollment of
 * the person (identity graph), `replied` on the account the enrollment used, else
 * `replied_other_channel`; `company` — also colleagues with the same company domain (`company_replied`).
 */
export async function planReplyStops(ctx: Ctx, tx: Queryable, replies: Reply[]): Promise<StopPlan[]> {
  if (replies.length === 0) return [];
  const { rows } = await tx.query<Candidate>(inboxSql.replyCandidates(ctx.schema), [
    JSON.stringify(replies.map((r) => ({ idx: r.idx, contact_id: r.contactId, account_id: r.accountId, conversation_id: r.conversationId, chat_id: r.chatId, sent_at: r.sentAt }))),
  ]);
  const byIdx = new Map(replies.map((r) => [r.idx, r]));
  const plans: StopPlan[] = [];
  const planned = new Set<string>();
  for (const c of rows) {
    if (planned.has(c.id)) continue;
    const reason = reasonFor(c, byIdx.get(c.idx)!);
    if (!reason) continue;
    planned.add(c.id);
    plans.push({ idx: c.idx, enrollmentId: c.id, reason, own: c.own, inConversation: c.own && c.sent_in_conversation });
  }
  return plans;
}

function reasonFor(c: Candidate, reply: Reply): ReasonCode | null {
  const scope = settingsFromRow(c.settings).stopOnReply;
  if (!c.own) return scope === 'company' ? 'company_replied' : null;
  if (scope === 'conversation' && !c.sent_in_conversation) return null;
  return c.account_id === reply.accountId || c.sent_on_account || c.sent_in_conversation ? 'replied' : 'replied_other_channel';
}

/** Stops planned enrollments, grouped by event and reason; returns what moved, per event index. */
export async function stopPlanned(ctx: Ctx, tx: Queryable, plans: StopPlan[], dataOf: (idx: number) => Record<string, unknown>): Promise<Map<number, EnrollmentChange[]>> {
  if (plans.length) await tx.query(inboxSql.lockEnrollments(ctx.schema), [plans.map((p) => p.enrollmentId)]);
  const groups = new Map<string, { idx: number; reason: ReasonCode; ids: string[] }>();
  for (const p of plans) {
    const key = `${p.idx}:${p.reason}`;
    const group = groups.get(key) ?? { idx: p.idx, reason: p.reason, ids: [] };
    group.ids.push(p.enrollmentId);
    groups.set(key, group);
  }
  const out = new Map<number, EnrollmentChange[]>();
  for (const g of groups.values()) {
    const rows = await stopEnrollments(ctx, tx, g.ids, g.reason, dataOf(g.idx));
    append(out, g.idx, rows.map((r) => changeOf(r, g.reason)));
  }
  return out;
}

/** A bounce stops every live enrollment of the person it bounced for. */
export async function stopContacts(ctx: Ctx, tx: Queryable, byIdx: Map<number, string[]>, reason: ReasonCode, dataOf: (idx: number) => Record<string, unknown>) {
  const out = new Map<number, EnrollmentChange[]>();
  for (const [idx, contactIds] of byIdx) {
    if (contactIds.length === 0) continue;
    const { rows } = await tx.query<{ id: string }>(contactReadSql.liveEnrollmentsOf(ctx.schema), [contactIds]);
    const stopped = await stopEnrollments(ctx, tx, rows.map((r) => r.id), reason, dataOf(idx));
    append(out, idx, stopped.map((r) => changeOf(r, reason)));
  }
  return out;
}

/** Enrollments of these contacts whose waiting step names `event` in `wake_on` become due now (one statement). */
export async function wakeContacts(ctx: Ctx, tx: Queryable, byIdx: Map<number, string>, event: string, dataOf: (idx: number) => Record<string, unknown>) {
  const out = new Map<number, EnrollmentChange[]>();
  if (byIdx.size === 0) return out;
  const idxOf = new Map([...byIdx].map(([idx, contactId]) => [contactId, idx]));
  const woken = await wakeEnrollments(ctx, tx, [...idxOf.keys()], event, (row) => dataOf(idxOf.get(row.contact_id)!));
  for (const row of woken) append(out, idxOf.get(row.contact_id)!, [changeOf(row)]);
  return out;
}

/** UniPile statuses that mean the account cannot send until it is reconnected. */
export const DISCONNECTED_STATUSES = new Set(['CREDENTIALS', 'ERROR', 'STOPPED', 'DELETED']);
/** Statuses that mean it works (again); stored as `OK`. */
export const CONNECTED_STATUSES = new Set(['OK', 'RECONNECTED', 'SYNC_SUCCESS', 'CREATION_SUCCESS']);

/** A disconnect pauses the account's active enrollments; a reconnect resumes those it paused, no others. */
export async function applyAccountStatus(ctx: Ctx, tx: Queryable, accountId: string, status: string): Promise<{ paused: EnrollmentChange[]; resumed: EnrollmentChange[] }> {
  if (DISCONNECTED_STATUSES.has(status)) {
    const { rows } = await tx.query<{ id: string }>(inboxSql.liveEnrollmentsOfAccounts(ctx.schema), [[accountId]]);
    const paused = await pauseEnrollments(ctx, tx, rows.map((r) => r.id), 'account_disconnected', null, { accountId, status });
    return { paused: paused.map((r) => changeOf(r, 'account_disconnected')), resumed: [] };
  }
  if (CONNECTED_STATUSES.has(status)) {
    const { rows } = await tx.query<{ id: string }>(inboxSql.disconnectedEnrollments(ctx.schema), [[accountId]]);
    // The engine's resume: a pending step keeps its time if still ahead, else runs at the next working moment.
    const resumed = await resumeWithCalendar(ctx, tx, rows.map((r) => r.id), 'account_reconnected');
    return { paused: [], resumed: resumed.map((r) => changeOf(r, 'account_reconnected')) };
  }
  return { paused: [], resumed: [] };
}

export function changeOf(r: EnrollmentRow, reason?: string): EnrollmentChange {
  return { enrollmentId: r.id, sequenceId: r.sequence_id, contactId: r.contact_id, step: r.next_step ?? r.current_step, ...(reason ? { reason } : {}) };
}

export function append<T>(map: Map<number, T[]>, idx: number, items: T[]): void {
  if (items.length) map.set(idx, [...(map.get(idx) ?? []), ...items]);
}
