import type { Ctx } from '../context';
import { jobsSchemaOf, q } from '../db/identifier';
import type { Queryable } from '../db/pool';
import { QUEUES } from '../jobs/boss';
import { uuidV5 } from '../jobs/ids';

/** What a `sequence-step` job carries; the dispatcher re-checks it against the enrollment row. */
export interface StepJobData {
  enrollmentId: string;
  step: string;
  /** The enrollment's schedule_version when this job was made; any other version is stale. */
  version: number;
  dueAt: string;
  /** The event that made a waiting step due early (e.g. `invitation_accepted`). */
  wokeBy?: string;
  /**
   * `resume`: not a step but the end of a timed pause (`paused_until`); the dispatcher resumes the
   * enrollment through the calendar if it is still paused at this version.
   */
  kind?: 'resume';
}

export interface StepTimer {
  enrollmentId: string;
  step: string;
  version: number;
  runAt: Date;
  wokeBy?: string;
  kind?: 'resume';
}

export const stepJobId = (enrollmentId: string, step: string, version: number) => uuidV5(`${enrollmentId}:${step}:${version}`);
const resumeJobId = (enrollmentId: string, version: number) => uuidV5(`${enrollmentId}:@resume:${version}`);
export const enrollmentJobKey = (enrollmentId: string) => `enrollment:${enrollmentId}`;

/** Enqueues step jobs inside the caller's transaction (one statement for the batch). */
export async function enqueueStepJobs(ctx: Ctx, tx: Queryable, timers: StepTimer[]): Promise<void> {
  if (timers.length === 0) return;
  const db = { executeSql: (text: string, values?: unknown[]) => tx.query(text, values) };
  await ctx.boss.insert(
    QUEUES.step,
    timers.map((t) => ({
      id: t.kind === 'resume' ? resumeJobId(t.enrollmentId, t.version) : stepJobId(t.enrollmentId, t.step, t.version),
      singletonKey: enrollmentJobKey(t.enrollmentId),
      startAfter: t.runAt,
      data: {
        enrollmentId: t.enrollmentId,
        step: t.step,
        version: t.version,
        dueAt: t.runAt.toISOString(),
        wokeBy: t.wokeBy,
        kind: t.kind,
      } satisfies StepJobData,
    })),
    { db },
  );
}

/**
 * Cancels the queued (not yet active) step jobs of these enrollments in the caller's transaction.
 * One statement on pg-boss's job table (reference pg-boss-12 §6): re-check on every pg-boss upgrade.
 * A job already running is stopped by the dispatcher's re-check of status and version instead.
 */
export async function cancelStepJobs(ctx: Ctx, tx: Queryable, enrollmentIds: string[]): Promise<number> {
  if (enrollmentIds.length === 0) return 0;
  const result = await tx.query(
    `UPDATE ${q(jobsSchemaOf(ctx.schema))}.job SET state = 'cancelled', completed_on = now()
      WHERE name = $1 AND singleton_key = ANY($2::text[]) AND state < 'active'`,
    [QUEUES.step, enrollmentIds.map(enrollmentJobKey)],
  );
  return result.rowCount ?? 0;
}

/** Drops the dead-lettered step jobs of these enrollments (`retry` revives them with a new job). */
export async function deleteDeadStepJobs(ctx: Ctx, tx: Queryable, enrollmentIds: string[]): Promise<number> {
  if (enrollmentIds.length === 0) return 0;
  const result = await tx.query(`DELETE FROM ${q(jobsSchemaOf(ctx.schema))}.job WHERE name = $1 AND singleton_key = ANY($2::text[])`, [
    QUEUES.stepDead,
    enrollmentIds.map(enrollmentJobKey),
  ]);
  return result.rowCount ?? 0;
}

/**
 * Refreshes the planner's statistics of pg-boss's shared job table after a bulk load: without it the
 * claim query of a queue the planner has not seen yet degrades to a nested loop over the whole
 * queue (reference pg-boss-12 §9, "stale-statistics pitfall").
 */
export async function analyzeJobTable(ctx: Pick<Ctx, 'pool' | 'schema'>): Promise<void> {
  await ctx.pool.query(`ANALYZE ${q(jobsSchemaOf(ctx.schema))}.job_common`);
}
