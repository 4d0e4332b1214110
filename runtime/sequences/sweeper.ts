import type { Ctx } from '../context';
import { jobsSchemaOf, q } from '../db/identifier';
import { withTransaction } from '../db/pool';
import { QUEUES } from '../jobs/boss';
import type { WorkerStarter } from '../worker';
import { enrollmentJobKey } from './timers';
import { failEnrollments } from './transitions';

/**
 * Repairs what a crash can leave behind, so nothing stays stuck silently:
 * - an active enrollment whose step was due long ago but has no job left (its last attempt expired
 *   with the process that ran it, or the job was purged after a long outage) becomes `failed` with
 *   `dispatch_failed`, visible and revivable with `retry`;
 * - an outbound message left `sending` (the process died between the claim and the provider's
 *   answer) becomes `unknown`: it may have gone out, so it is never re-sent blindly.
 */
export const STUCK_AFTER_MINUTES = 60;
export const SENDING_TIMEOUT_MINUTES = 10;

export async function sweep(ctx: Ctx): Promise<{ failedEnrollments: number; unknownSends: number }> {
  const s = q(ctx.schema);
  const failedEnrollments = await withTransaction(ctx.pool, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT e.id FROM ${s}.enrollments e
        WHERE e.status = 'active' AND e.next_step IS NOT NULL AND e.next_run_at < now() - make_interval(mins => $1)
          AND NOT EXISTS (SELECT 1 FROM ${q(jobsSchemaOf(ctx.schema))}.job j
                           WHERE j.name = $2 AND j.singleton_key = $3 || e.id::text AND j.state IN ('created', 'retry', 'active'))
        ORDER BY e.next_run_at LIMIT 1000 FOR UPDATE SKIP LOCKED`,
      [STUCK_AFTER_MINUTES, QUEUES.step, enrollmentJobKey('')],
    );
    const failed = await failEnrollments(
      ctx,
      tx,
      rows.map((r) => r.id),
      'dispatch_failed',
      { error: 'the step had no job left (its last attempt died with a crashed process, or it was purged after a long outage); retry to send it' },
    );
    return failed.length;
  });
  const sends = await ctx.pool.query(
    `UPDATE ${s}.messages SET status = 'unknown', updated_at = now(),
            error = jsonb_build_object('class', 'unknown_outcome', 'message', 'the sending process stopped before UniPile answered; check the conversation before sending again')
      WHERE status = 'sending' AND updated_at < now() - make_interval(mins => $1)`,
    [SENDING_TIMEOUT_MINUTES],
  );
  return { failedEnrollments, unknownSends: sends.rowCount ?? 0 };
}

export const sweeperWorker: WorkerStarter = {
  name: 'sweeper',
  async start(ctx) {
    await ctx.boss.schedule(QUEUES.sweep, '*/5 * * * *', {}, { key: 'sweep' });
    await ctx.boss.work(QUEUES.sweep, { pollingIntervalSeconds: 10 }, async () => {
      const result = await sweep(ctx);
      if (result.failedEnrollments || result.unknownSends) ctx.log.warn(result, 'sweeper repaired what a crash left behind');
    });
  },
};
