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
}

export interface StepTimer {
  enrollmentId: string;
  step: string;
  version: number;
  runAt: Date;
  wokeBy?: string;
}

export const stepJobId = (enrollmentId: string, step: string, version: number) => uuidV5(`${enrollmentId}:${step}:${version}`);
export const enrollmentJobKey = (enrollmentId: string) => `enrollment:${enrollmentId}`;

/** Enqueues step jobs inside the caller's transaction (one statement for the batch). */
export async function enqueueStepJobs(ctx: Ctx, tx: Queryable, timers: StepTimer[]): Promise<void> {
  if (timers.length === 0) return;
  const db = { executeSql: (text: string, values?: unknown[]) => tx.query(text, values) };
  await ctx.boss.insert(
    QUEUES.step,
    timers.map((t) => ({
      id: stepJobId(t.enrollmentId, t.step, t.version),
      singletonKey: enrollmentJobKey(t.enrollmentId),
      startAfter: t.runAt,
      data: { enrollmentId: t.enrollmentId, step: t.step, version: t.version, dueAt: t.runAt.toISOString(), wokeBy: t.wokeBy } satisfies StepJobData,
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
