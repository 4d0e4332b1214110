import { z } from 'zod/v4';
import type { Ctx } from '../context';
import type { Queryable } from '../db/pool';
import { calendarFor, type Calendar } from './calendar';
import { delaySchema, delaySchemaFor, type Delay } from './delay';
import type { ReasonCode } from './reasons';
import { settingsFromRow, type SequenceSettings } from './settings';
import { engineSql } from './sql';
import { jitterKeyOf, NEXT_WORKING_MOMENT, stepDefinitionOf, stepNameSchema, wakeEventSchema, type WakeEvent } from './steps';
import { cancelStepJobs, deleteDeadStepJobs, enqueueStepJobs } from './timers';
import { recordEvents, resumeEnrollments, type TimelineEvent } from './transitions';

/**
 * The scheduler: when an enrollment's next step runs. Every time is computed by the calendar of the
 * enrollment's sequence (in the contact's zone when the sequence says so); the enrollment row and its
 * pg-boss job change in the caller's transaction, so a rollback leaves both as they were.
 */

/** How a step is timed: a delay from now, not before an instant (moved into the working window), or exactly at an instant. */
export interface ScheduleRequest {
  enrollmentId: string;
  step: string;
  /** Through the calendar from now. Without delay, at and runAt: the step's default delay in `settings.steps`. */
  delay?: Delay;
  /** Not before this instant, at the next working moment (e.g. a Rate Gate `retryAt`). */
  at?: Date;
  /** Exactly this instant, calendar ignored (operators: "now"). */
  runAt?: Date;
  /** Events that make the step due at once; default: the step's `wakeOn` in `settings.steps`, else none. */
  wakeOn?: WakeEvent[];
  /** Deterministic jitter per (enrollment, step) for `delay` and `at`; default true. */
  jitter?: boolean;
  /** Carried into the job when a woken step is only moved (e.g. deferred to working hours). */
  wokeBy?: string;
}

export const scheduleRequestSchema = z
  .object({
    enrollmentId: z.uuid({ error: 'enrollmentId must be an enrollment id (a UUID), e.g. {{ $json.enrollment.id }}' }),
    step: stepNameSchema,
    delay: delaySchema.optional(),
    at: z.coerce.date({ error: 'at must be an ISO date-time, e.g. "2030-01-31T10:00:00Z"' }).optional(),
    runAt: z.coerce.date({ error: 'runAt must be an ISO date-time, e.g. "2030-01-31T10:00:00Z"' }).optional(),
    wakeOn: z.array(wakeEventSchema).optional(),
    jitter: z.boolean().optional(),
  })
  .strict()
  .refine((r) => [r.delay, r.at, r.runAt].filter((v) => v !== undefined).length <= 1, {
    error: 'give at most one of delay, at and runAt',
  });

export type ScheduleOutcome = 'scheduled' | 'pending' | 'not_active' | 'not_found' | 'invalid' | 'superseded';

export interface ScheduleResult {
  enrollmentId: string;
  outcome: ScheduleOutcome;
  step: string;
  /** Enrollment status after the call (absent when not found). */
  status?: string;
  runAt?: Date;
  wakeOn?: string[];
  /** Why, for `invalid`, `not_active` and `superseded`. */
  message?: string;
}

/** What the calendar needs to know about an enrollment. */
export interface CalendarRow {
  id: string;
  status: string;
  next_step: string | null;
  next_run_at: Date | null;
  wake_on: string[];
  schedule_version: number;
  sequence_id: string;
  sequence_status: string;
  settings: unknown;
  contact_timezone: string | null;
}

/** Calendars per (sequence settings, contact zone), built once per batch. */
export class CalendarCache {
  private readonly settings = new Map<string, SequenceSettings>();
  private readonly calendars = new Map<string, Calendar>();

  settingsOf(row: Pick<CalendarRow, 'sequence_id' | 'settings'>): SequenceSettings {
    let s = this.settings.get(row.sequence_id);
    if (!s) this.settings.set(row.sequence_id, (s = settingsFromRow(row.settings)));
    return s;
  }

  of(row: Pick<CalendarRow, 'sequence_id' | 'settings' | 'contact_timezone'>): Calendar {
    const settings = this.settingsOf(row);
    const zone = settings.useContactTimezone ? (row.contact_timezone ?? '') : '';
    const key = `${row.sequence_id}\u0000${zone}`;
    let calendar = this.calendars.get(key);
    if (!calendar) this.calendars.set(key, (calendar = calendarFor(settings, row.contact_timezone)));
    return calendar;
  }
}

export interface ScheduleOptions {
  /** Timeline kind: `scheduled` (default) or `skipped` (an operator jumped to a step), `deferred` (moved). */
  kind?: 'scheduled' | 'skipped' | 'deferred';
  reason?: ReasonCode;
  now?: Date;
}

/**
 * Schedules the next step of each enrollment, in a few statements for the whole batch: lock the rows,
 * compute each time through the calendar, move `next_step`/`next_run_at`/`wake_on` and the schedule
 * version, replace the pending job (active enrollments), write the timeline. A paused enrollment
 * keeps the step as pending and gets no job (resume schedules it). Finished ones are refused.
 * Requests for the same enrollment: the last one wins.
 */
export async function scheduleSteps(ctx: Ctx, tx: Queryable, requests: ScheduleRequest[], options: ScheduleOptions = {}): Promise<ScheduleResult[]> {
  if (requests.length === 0) return [];
  const now = options.now ?? new Date();
  const lastIndexOf = new Map(requests.map((r, i) => [r.enrollmentId, i]));
  const { rows } = await tx.query<CalendarRow>(engineSql.lockForSchedule(ctx.schema), [[...lastIndexOf.keys()]]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const calendars = new CalendarCache();

  const results: ScheduleResult[] = requests.map((request, index) => {
    const base = { enrollmentId: request.enrollmentId, step: request.step };
    if (lastIndexOf.get(request.enrollmentId) !== index) return { ...base, outcome: 'superseded', message: 'a later request in the same batch scheduled this enrollment' };
    const row = byId.get(request.enrollmentId);
    if (!row) return { ...base, outcome: 'not_found', message: `enrollment ${request.enrollmentId} does not exist` };
    if (row.status !== 'active' && row.status !== 'paused') {
      return { ...base, outcome: 'not_active', status: row.status, message: `the enrollment is ${row.status}: nothing more is scheduled for it` };
    }
    const timed = timeOf(request, row, calendars, now);
    if ('message' in timed) return { ...base, outcome: 'invalid', status: row.status, message: timed.message };
    return { ...base, outcome: row.status === 'active' ? 'scheduled' : 'pending', status: row.status, runAt: timed.runAt, wakeOn: timed.wakeOn };
  });

  const changes = results.filter((r) => r.outcome === 'scheduled' || r.outcome === 'pending');
  if (changes.length === 0) return results;
  const { rows: updated } = await tx.query<{ id: string; status: string; schedule_version: number }>(engineSql.schedule(ctx.schema), [
    JSON.stringify(changes.map((c) => ({ id: c.enrollmentId, step: c.step, run_at: c.runAt, wake_on: c.wakeOn }))),
  ]);
  const versionOf = new Map(updated.map((u) => [u.id, u.schedule_version]));
  await cancelStepJobs(
    ctx,
    tx,
    changes.map((c) => c.enrollmentId),
  );
  await enqueueStepJobs(
    ctx,
    tx,
    changes
      .filter((c) => c.outcome === 'scheduled')
      .map((c) => ({
        enrollmentId: c.enrollmentId,
        step: c.step,
        version: versionOf.get(c.enrollmentId)!,
        runAt: c.runAt!,
        wokeBy: requests[lastIndexOf.get(c.enrollmentId)!].wokeBy,
      })),
  );
  await recordEvents(
    tx,
    ctx.schema,
    changes.map((c) => ({
      enrollmentId: c.enrollmentId,
      kind: options.kind ?? 'scheduled',
      step: c.step,
      reason: options.reason ?? null,
      data: { runAt: c.runAt, wakeOn: c.wakeOn, ...(c.outcome === 'pending' ? { pending: 'the enrollment is paused: the step runs after resume' } : {}) },
    })),
  );
  return results;
}

function timeOf(request: ScheduleRequest, row: CalendarRow, calendars: CalendarCache, now: Date): { runAt: Date; wakeOn: string[] } | { message: string } {
  const settings = calendars.settingsOf(row);
  const definition = stepDefinitionOf(settings.steps, request.step);
  const wakeOn = request.wakeOn ?? definition?.wakeOn ?? [];
  if (request.runAt) return { runAt: request.runAt, wakeOn };
  const calendar = calendars.of(row);
  const jitterKey = request.jitter === false ? undefined : jitterKeyOf(row.id, request.step);
  if (request.at) return { runAt: calendar.add(request.at, NEXT_WORKING_MOMENT, jitterKey), wakeOn };
  const delay = request.delay ?? definition?.delay;
  if (!delay) {
    return { message: `no delay given for step "${request.step}" and the sequence's settings.steps has no default delay for it: give a delay, at or runAt` };
  }
  const checked = delaySchemaFor(settings).safeParse(delay);
  if (!checked.success) return { message: checked.error.issues[0].message };
  return { runAt: calendar.add(now, delay, jitterKey), wakeOn };
}

/** Convenience for one enrollment (the node's batch path uses `scheduleSteps`). */
export async function scheduleNext(ctx: Ctx, tx: Queryable, request: ScheduleRequest, options: ScheduleOptions = {}): Promise<ScheduleResult> {
  const [result] = await scheduleSteps(ctx, tx, [request], options);
  return result;
}

/** Jumps enrollments to `step`, due now (the dispatcher still honours working hours). */
export function skipToStep(ctx: Ctx, tx: Queryable, enrollmentIds: string[], step: string, reason: ReasonCode = 'manual'): Promise<ScheduleResult[]> {
  const now = new Date();
  return scheduleSteps(
    ctx,
    tx,
    enrollmentIds.map((enrollmentId) => ({ enrollmentId, step, runAt: now })),
    { kind: 'skipped', reason, now },
  );
}

/** Locks enrollments and loads what their calendars need. */
async function calendarRows(ctx: Ctx, tx: Queryable, ids: string[]): Promise<Map<string, CalendarRow>> {
  const { rows } = await tx.query<CalendarRow>(engineSql.lockForSchedule(ctx.schema), [ids]);
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Resumes paused enrollments through the calendar: a pending step still in the future keeps its time,
 * an overdue one runs at the next working moment (with its jitter). Enrollments of a sequence that is
 * not active stay paused (resuming the sequence resumes them).
 */
export async function resumeWithCalendar(ctx: Ctx, tx: Queryable, enrollmentIds: string[], reason: ReasonCode = 'manual', now = new Date()) {
  if (enrollmentIds.length === 0) return [];
  const rows = await calendarRows(ctx, tx, enrollmentIds);
  const calendars = new CalendarCache();
  const resumable = enrollmentIds.filter((id) => rows.get(id)?.sequence_status === 'active');
  return resumeEnrollments(ctx, tx, resumable, reason, (pending) => {
    if (pending.next_run_at && pending.next_run_at > now) return pending.next_run_at;
    const row = rows.get(pending.id)!;
    return calendars.of(row).add(now, NEXT_WORKING_MOMENT, pending.next_step ? jitterKeyOf(pending.id, pending.next_step) : undefined);
  });
}

export type RetryOutcome = 'retried' | 'not_failed' | 'not_found' | 'conflict';

export interface RetryResult {
  enrollmentId: string;
  outcome: RetryOutcome;
  status?: string;
  step?: string | null;
  message?: string;
}

/**
 * Revives failed enrollments: active again (paused if the sequence is paused), the failed step due now
 * with a new job, its dead-lettered job removed. Refused when the contact was enrolled again meanwhile
 * or the sequence is archived.
 */
export async function retryEnrollments(ctx: Ctx, tx: Queryable, enrollmentIds: string[]): Promise<RetryResult[]> {
  if (enrollmentIds.length === 0) return [];
  const { rows: revived } = await tx.query<{ id: string; status: string; next_step: string | null; next_run_at: Date | null; schedule_version: number }>(
    engineSql.retry(ctx.schema),
    [enrollmentIds],
  );
  await deleteDeadStepJobs(
    ctx,
    tx,
    revived.map((r) => r.id),
  );
  await enqueueStepJobs(
    ctx,
    tx,
    revived.filter((r) => r.status === 'active' && r.next_step).map((r) => ({ enrollmentId: r.id, step: r.next_step!, version: r.schedule_version, runAt: r.next_run_at! })),
  );
  await recordEvents(
    tx,
    ctx.schema,
    revived.map((r): TimelineEvent => ({ enrollmentId: r.id, kind: 'retried', step: r.next_step, reason: 'manual', data: { runAt: r.next_run_at, status: r.status } })),
  );
  const byId = new Map(revived.map((r) => [r.id, r]));
  const others = await statusesOf(tx, ctx.schema, enrollmentIds.filter((id) => !byId.has(id)));
  return enrollmentIds.map((enrollmentId) => {
    const r = byId.get(enrollmentId);
    if (r) return { enrollmentId, outcome: 'retried', status: r.status, step: r.next_step };
    const status = others.get(enrollmentId);
    if (!status) return { enrollmentId, outcome: 'not_found', message: `enrollment ${enrollmentId} does not exist` };
    if (status !== 'failed') return { enrollmentId, outcome: 'not_failed', status, message: `the enrollment is ${status}, not failed: only failed enrollments are retried` };
    return { enrollmentId, outcome: 'conflict', status, message: 'the contact has a newer live enrollment in this sequence, or the sequence is archived' };
  });
}

/** Current status of enrollments by id (missing ids are absent). */
export async function statusesOf(tx: Queryable, schema: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<{ id: string; status: string }>(engineSql.statuses(schema), [ids]);
  return new Map(rows.map((r) => [r.id, r.status]));
}
