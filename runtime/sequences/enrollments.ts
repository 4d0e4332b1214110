import type { Ctx } from '../context';
import { withTransaction } from '../db/pool';
import { SequencerError } from './errors';
import type { ReasonCode } from './reasons';
import { resumeWithCalendar, retryEnrollments, skipToStep, statusesOf } from './scheduler';
import { readSql } from './sql';
import { completeEnrollments, pauseEnrollments, stopEnrollments } from './transitions';

/**
 * Enrollments as the API, the CLI and the Sequence Step node see them: read with their recent
 * timeline, and changed in batches with one outcome per id (one transaction per call).
 */
export interface TimelineEntry {
  at: Date;
  kind: string;
  step: string | null;
  reason: string | null;
  data: Record<string, unknown>;
}

/** An enrollment without its timeline (lists). */
export interface EnrollmentSummary {
  id: string;
  status: string;
  sequence: { id: string; key: string; name: string };
  contactId: string;
  accountId: string | null;
  currentStep: string | null;
  nextStep: string | null;
  nextRunAt: Date | null;
  wakeOn: string[];
  scheduleVersion: number;
  vars: Record<string, unknown>;
  stopReason: string | null;
  pauseReason: string | null;
  pausedUntil: Date | null;
  enrolledAt: Date;
  lastStepAt: Date | null;
  finishedAt: Date | null;
}

export interface EnrollmentView extends EnrollmentSummary {
  /** The latest events, oldest first. */
  timeline: TimelineEntry[];
}

interface EnrollmentRow {
  id: string;
  status: string;
  current_step: string | null;
  next_step: string | null;
  next_run_at: Date | null;
  wake_on: string[];
  schedule_version: number;
  vars: Record<string, unknown>;
  stop_reason: string | null;
  pause_reason: string | null;
  paused_until: Date | null;
  enrolled_at: Date;
  last_step_at: Date | null;
  finished_at: Date | null;
  contact_id: string;
  account_id: string | null;
  sequence_id: string;
  sequence_key: string;
  sequence_name: string;
}

/** Enrollments by id, in the order asked (undefined where an id does not exist), with up to `timelineLimit` recent events each. */
export async function getEnrollments(ctx: Pick<Ctx, 'pool' | 'schema'>, ids: string[], options: { timelineLimit?: number } = {}): Promise<(EnrollmentView | undefined)[]> {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  const limit = options.timelineLimit ?? 20;
  const [{ rows }, timelines] = await Promise.all([
    ctx.pool.query<EnrollmentRow>(readSql.enrollments(ctx.schema), [unique]),
    limit > 0
      ? ctx.pool.query<TimelineEntry & { enrollment_id: string }>(readSql.timelines(ctx.schema), [unique, limit])
      : Promise.resolve({ rows: [] as (TimelineEntry & { enrollment_id: string })[] }),
  ]);
  const timelineOf = new Map<string, TimelineEntry[]>();
  for (const { enrollment_id, ...entry } of timelines.rows) timelineOf.set(enrollment_id, [...(timelineOf.get(enrollment_id) ?? []), entry]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => {
    const r = byId.get(id);
    return r && { ...summaryOf(r), timeline: timelineOf.get(r.id) ?? [] };
  });
}

const summaryOf = (r: EnrollmentRow): EnrollmentSummary => ({
  id: r.id,
  status: r.status,
  sequence: { id: r.sequence_id, key: r.sequence_key, name: r.sequence_name },
  contactId: r.contact_id,
  accountId: r.account_id,
  currentStep: r.current_step,
  nextStep: r.next_step,
  nextRunAt: r.next_run_at,
  wakeOn: r.wake_on,
  scheduleVersion: r.schedule_version,
  vars: r.vars,
  stopReason: r.stop_reason,
  pauseReason: r.pause_reason,
  pausedUntil: r.paused_until,
  enrolledAt: r.enrolled_at,
  lastStepAt: r.last_step_at,
  finishedAt: r.finished_at,
});

export interface EnrollmentFilter {
  sequenceKey?: string;
  status?: string;
  contactId?: string;
  /** The pending step, or the last step when none is pending. */
  step?: string;
  limit: number;
  /** Keyset of the last row of the previous page (`sortAt` of that row). */
  after?: { at: string; id: string };
}

/** Newest first; each row carries `sortAt` (enrolled_at to the microsecond) for the next page's keyset. */
export async function listEnrollments(ctx: Pick<Ctx, 'pool' | 'schema'>, filter: EnrollmentFilter): Promise<(EnrollmentSummary & { sortAt: string })[]> {
  const { rows } = await ctx.pool.query<EnrollmentRow & { sort_at: string }>(readSql.list(ctx.schema), [
    filter.sequenceKey ?? null,
    filter.status ?? null,
    filter.contactId ?? null,
    filter.step ?? null,
    filter.after?.at ?? null,
    filter.after?.id ?? null,
    filter.limit,
  ]);
  return rows.map((r) => ({ ...summaryOf(r), sortAt: r.sort_at }));
}

export type EnrollmentChange =
  | { action: 'pause'; reason?: ReasonCode; until?: Date | null }
  | { action: 'resume' }
  | { action: 'stop'; reason?: ReasonCode }
  | { action: 'complete' }
  | { action: 'retry' }
  | { action: 'skip'; step: string };

export interface ChangeResult {
  enrollmentId: string;
  /** `changed`: the enrollment moved; `unchanged`: it could not (see message); `not_found`. */
  outcome: 'changed' | 'unchanged' | 'not_found';
  status?: string;
  message?: string;
}

const FROM_STATES: Record<EnrollmentChange['action'], string> = {
  pause: 'only active enrollments can be paused',
  resume: 'only paused enrollments of an active sequence can be resumed',
  stop: 'only active or paused enrollments can be stopped',
  complete: 'only active or paused enrollments can be completed',
  retry: 'only failed enrollments can be retried (and not when the contact was enrolled again, or the sequence is archived)',
  skip: 'only active or paused enrollments can skip to a step',
};

/**
 * Applies one change to many enrollments in one transaction; one result per id, in order. With
 * `requireAll`, an unknown id rolls everything back (a `not_found` SequencerError naming the id).
 */
export async function changeEnrollments(ctx: Ctx, ids: string[], change: EnrollmentChange, options: { requireAll?: boolean } = {}): Promise<ChangeResult[]> {
  const unique = [...new Set(ids)];
  return withTransaction(ctx.pool, async (tx) => {
    let changed: string[];
    switch (change.action) {
      case 'pause':
        changed = (await pauseEnrollments(ctx, tx, unique, change.reason ?? 'manual', change.until ?? null)).map((r) => r.id);
        break;
      case 'resume':
        changed = (await resumeWithCalendar(ctx, tx, unique, 'manual')).map((r) => r.id);
        break;
      case 'stop':
        changed = (await stopEnrollments(ctx, tx, unique, change.reason ?? 'manual')).map((r) => r.id);
        break;
      case 'complete':
        changed = (await completeEnrollments(ctx, tx, unique)).map((r) => r.id);
        break;
      case 'retry':
        changed = (await retryEnrollments(ctx, tx, unique)).filter((r) => r.outcome === 'retried').map((r) => r.enrollmentId);
        break;
      case 'skip':
        changed = (await skipToStep(ctx, tx, unique, change.step)).filter((r) => r.outcome === 'scheduled' || r.outcome === 'pending').map((r) => r.enrollmentId);
        break;
    }
    const statuses = await statusesOf(tx, ctx.schema, unique);
    const missing = unique.find((id) => !statuses.has(id));
    if (missing && options.requireAll) {
      throw new SequencerError('not_found', `enrollment ${missing} does not exist`, [{ field: 'enrollmentId', message: missing }]);
    }
    const moved = new Set(changed);
    return ids.map((enrollmentId): ChangeResult => {
      const status = statuses.get(enrollmentId);
      if (!status) return { enrollmentId, outcome: 'not_found', message: `enrollment ${enrollmentId} does not exist` };
      if (moved.has(enrollmentId)) return { enrollmentId, outcome: 'changed', status };
      return { enrollmentId, outcome: 'unchanged', status, message: `the enrollment is ${status}: ${FROM_STATES[change.action]}` };
    });
  });
}
