import type { Ctx } from '../context';
import type { Queryable } from '../db/pool';
import { enqueueNotifications, type InboxEvent } from '../subscriptions/events';
import { anySubscriptionFor } from '../subscriptions/registry';
import type { ReasonCode } from './reasons';
import { enrollmentSql } from './sql';
import { cancelStepJobs, enqueueStepJobs } from './timers';

/**
 * The enrollment state machine: active → paused / completed / stopped / failed, paused → active.
 * Every function runs inside the caller's transaction, moves only rows in an allowed from-state,
 * cancels or creates their step jobs in the same transaction, and writes the timeline.
 */
export interface EnrollmentRow {
  id: string;
  sequence_id: string;
  contact_id: string;
  account_id: string | null;
  status: 'active' | 'paused' | 'completed' | 'stopped' | 'failed';
  current_step: string | null;
  next_step: string | null;
  next_run_at: Date | null;
  wake_on: string[];
  schedule_version: number;
  vars: Record<string, unknown>;
  sequence_key: string;
}

export interface TimelineEvent {
  enrollmentId: string;
  kind: string;
  step?: string | null;
  reason?: ReasonCode | null;
  data?: Record<string, unknown>;
}

/** Appends to the per-contact timeline (`enrollment_events`), one statement for the batch. */
export async function recordEvents(tx: Queryable, schema: string, events: TimelineEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({ enrollment_id: e.enrollmentId, kind: e.kind, step: e.step ?? null, reason: e.reason ?? null, data: e.data ?? {} }));
  await tx.query(enrollmentSql.recordEvents(schema), [JSON.stringify(rows)]);
}

async function move(
  ctx: Ctx,
  tx: Queryable,
  statement: string,
  params: unknown[],
  event: (row: EnrollmentRow) => TimelineEvent,
  notify?: InboxEvent,
): Promise<EnrollmentRow[]> {
  const { rows } = await tx.query<EnrollmentRow>(statement, params);
  await cancelStepJobs(
    ctx,
    tx,
    rows.map((r) => r.id),
  );
  const events = rows.map(event);
  await recordEvents(tx, ctx.schema, events);
  if (notify) await notifySubscribers(ctx, tx, notify, rows, events);
  return rows;
}

/**
 * `enrollment.stopped` / `enrollment.completed` for subscribed flows, queued in the same transaction.
 * Nothing is queued when no subscription lists the event (the common case costs one cheap query).
 */
async function notifySubscribers(ctx: Ctx, tx: Queryable, event: InboxEvent, rows: EnrollmentRow[], events: TimelineEvent[]): Promise<void> {
  if (rows.length === 0 || !(await anySubscriptionFor(tx, ctx.schema, event))) return;
  const occurredAt = new Date();
  await enqueueNotifications(
    ctx,
    tx,
    rows.map((r, i) => ({
      event,
      sourceKey: `${r.id}:${r.schedule_version}`,
      occurredAt,
      payload: {
        enrollment: { id: r.id, status: r.status, currentStep: r.current_step, reason: events[i].reason ?? null, vars: r.vars },
        sequence: { id: r.sequence_id, key: r.sequence_key },
        contact: { id: r.contact_id },
        account: r.account_id ? { id: r.account_id } : null,
        reason: events[i].reason ?? null,
        data: events[i].data ?? {},
      },
    })),
  );
}

export function stopEnrollments(ctx: Ctx, tx: Queryable, ids: string[], reason: ReasonCode, data: Record<string, unknown> = {}) {
  return move(
    ctx,
    tx,
    enrollmentSql.stop(ctx.schema),
    [ids, reason],
    (r) => ({ enrollmentId: r.id, kind: 'stopped', step: r.current_step, reason, data }),
    'enrollment.stopped',
  );
}

export function completeEnrollments(ctx: Ctx, tx: Queryable, ids: string[], data: Record<string, unknown> = {}) {
  return move(
    ctx,
    tx,
    enrollmentSql.complete(ctx.schema),
    [ids],
    (r) => ({ enrollmentId: r.id, kind: 'completed', step: r.current_step, reason: 'completed', data }),
    'enrollment.completed',
  );
}

export function failEnrollments(ctx: Ctx, tx: Queryable, ids: string[], reason: ReasonCode, data: Record<string, unknown> = {}) {
  return move(ctx, tx, enrollmentSql.fail(ctx.schema), [ids, reason], (r) => ({ enrollmentId: r.id, kind: 'failed', step: r.next_step ?? r.current_step, reason, data }));
}

/**
 * Pauses active enrollments; their pending step is kept for resume. `until` is when to resume by
 * itself: a `resume` timer job at that instant (the dispatcher resumes them through the calendar if
 * they are still paused at this schedule version; any later change makes the timer stale).
 */
export async function pauseEnrollments(ctx: Ctx, tx: Queryable, ids: string[], reason: ReasonCode, until: Date | null = null, data: Record<string, unknown> = {}) {
  const rows = await move(ctx, tx, enrollmentSql.pause(ctx.schema), [ids, reason, until], (r) => ({
    enrollmentId: r.id,
    kind: 'paused',
    step: r.next_step,
    reason,
    data: until ? { ...data, until: until.toISOString() } : data,
  }));
  if (until) {
    await enqueueStepJobs(
      ctx,
      tx,
      rows.map((r) => ({ enrollmentId: r.id, step: r.next_step ?? '', version: r.schedule_version, runAt: until, kind: 'resume' as const })),
    );
  }
  return rows;
}

/**
 * Resumes paused enrollments. `runAtFor` decides when each pending step now runs (the scheduler
 * passes the calendar's answer); enrollments with no pending step just become active.
 */
export async function resumeEnrollments(
  ctx: Ctx,
  tx: Queryable,
  ids: string[],
  reason: ReasonCode,
  runAtFor: (pending: { id: string; next_step: string | null; next_run_at: Date | null }) => Date | Promise<Date>,
): Promise<EnrollmentRow[]> {
  const { rows: locked } = await tx.query<{ id: string; next_step: string | null; next_run_at: Date | null }>(enrollmentSql.lockPaused(ctx.schema), [ids]);
  if (locked.length === 0) return [];
  const runAts = await Promise.all(locked.map(runAtFor));
  const { rows } = await tx.query<EnrollmentRow>(enrollmentSql.resume(ctx.schema), [locked.map((r) => r.id), runAts]);
  // A timed pause left a resume timer; resuming now makes it pointless.
  await cancelStepJobs(
    ctx,
    tx,
    rows.map((r) => r.id),
  );
  await enqueueStepJobs(
    ctx,
    tx,
    rows.filter((r) => r.next_step).map((r) => ({ enrollmentId: r.id, step: r.next_step!, version: r.schedule_version, runAt: r.next_run_at! })),
  );
  await recordEvents(tx, ctx.schema, rows.map((r) => ({ enrollmentId: r.id, kind: 'resumed', step: r.next_step, reason, data: { runAt: r.next_run_at } })));
  return rows;
}

/** An engagement event makes the waiting step of the contacts' enrollments that wait for it due now. */
export async function wakeEnrollments(
  ctx: Ctx,
  tx: Queryable,
  contactIds: string[],
  event: string,
  data: Record<string, unknown> | ((row: EnrollmentRow) => Record<string, unknown>) = {},
): Promise<EnrollmentRow[]> {
  if (contactIds.length === 0) return [];
  const { rows } = await tx.query<EnrollmentRow>(enrollmentSql.wake(ctx.schema), [contactIds, event]);
  await cancelStepJobs(
    ctx,
    tx,
    rows.map((r) => r.id),
  );
  await enqueueStepJobs(
    ctx,
    tx,
    rows.map((r) => ({ enrollmentId: r.id, step: r.next_step!, version: r.schedule_version, runAt: r.next_run_at!, wokeBy: event })),
  );
  const dataOf = typeof data === 'function' ? data : () => data;
  await recordEvents(tx, ctx.schema, rows.map((r) => ({ enrollmentId: r.id, kind: 'woken', step: r.next_step, data: { ...dataOf(r), event } })));
  return rows;
}
