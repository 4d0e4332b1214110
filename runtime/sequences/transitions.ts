import type { Ctx } from '../context';
import type { Queryable } from '../db/pool';
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
): Promise<EnrollmentRow[]> {
  const { rows } = await tx.query<EnrollmentRow>(statement, params);
  await cancelStepJobs(
    ctx,
    tx,
    rows.map((r) => r.id),
  );
  await recordEvents(tx, ctx.schema, rows.map(event));
  return rows;
}

export function stopEnrollments(ctx: Ctx, tx: Queryable, ids: string[], reason: ReasonCode, data: Record<string, unknown> = {}) {
  return move(ctx, tx, enrollmentSql.stop(ctx.schema), [ids, reason], (r) => ({ enrollmentId: r.id, kind: 'stopped', step: r.current_step, reason, data }));
}

export function completeEnrollments(ctx: Ctx, tx: Queryable, ids: string[], data: Record<string, unknown> = {}) {
  return move(ctx, tx, enrollmentSql.complete(ctx.schema), [ids], (r) => ({ enrollmentId: r.id, kind: 'completed', step: r.current_step, reason: 'completed', data }));
}

export function failEnrollments(ctx: Ctx, tx: Queryable, ids: string[], reason: ReasonCode, data: Record<string, unknown> = {}) {
  return move(ctx, tx, enrollmentSql.fail(ctx.schema), [ids, reason], (r) => ({ enrollmentId: r.id, kind: 'failed', step: r.next_step ?? r.current_step, reason, data }));
}

/** Pauses active enrollments; their pending step is kept for resume. `until` is when to resume by itself. */
export function pauseEnrollments(ctx: Ctx, tx: Queryable, ids: string[], reason: ReasonCode, until: Date | null = null, data: Record<string, unknown> = {}) {
  return move(ctx, tx, enrollmentSql.pause(ctx.schema), [ids, reason, until], (r) => ({
    enrollmentId: r.id,
    kind: 'paused',
    step: r.next_step,
    reason,
    data: until ? { ...data, until: until.toISOString() } : data,
  }));
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
  await enqueueStepJobs(
    ctx,
    tx,
    rows.filter((r) => r.next_step).map((r) => ({ enrollmentId: r.id, step: r.next_step!, version: r.schedule_version, runAt: r.next_run_at! })),
  );
  await recordEvents(tx, ctx.schema, rows.map((r) => ({ enrollmentId: r.id, kind: 'resumed', step: r.next_step, reason, data: { runAt: r.next_run_at } })));
  return rows;
}

/** An engagement event makes the waiting step of the contacts' enrollments that wait for it due now. */
export async function wakeEnrollments(ctx: Ctx, tx: Queryable, contactIds: string[], event: string, data: Record<string, unknown> = {}): Promise<EnrollmentRow[]> {
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
  await recordEvents(tx, ctx.schema, rows.map((r) => ({ enrollmentId: r.id, kind: 'woken', step: r.next_step, data: { ...data, event } })));
  return rows;
}
