import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { Ctx } from '../context';
import { QUEUES } from '../jobs/boss';
import type { WorkerStarter } from '../worker';
import { fanOut } from './deliver';
import type { NotificationJobData } from './events';
import { recordDeliveryHealth, subscriptionsForEvents, subscriptionWants } from './registry';

/**
 * The notifier: a pg-boss worker on `inbox-notify` that POSTs each queued event (`message.received`,
 * `enrollment.stopped`, …) to every active subscription listing it, signed like a step (DESIGN §4).
 * An event about a sequence (its payload has `sequence.key`) goes only to subscriptions for that
 * sequence or for all. Failures retry with backoff and end in `inbox-notify-dead`; subscriptions that
 * accepted an earlier attempt are not posted to again. No subscriber: nothing to do.
 */
type NotifyJob = JobWithMetadata<NotificationJobData>;

export async function startNotifier(ctx: Ctx, options: { batchSize?: number; timeoutMs?: number } = {}): Promise<string> {
  const workOptions = {
    batchSize: options.batchSize ?? 20,
    localConcurrency: 1,
    pollingIntervalSeconds: 0.5,
    burstWhenBatchFull: true,
    perJobResults: true,
    includeMetadata: true,
  } as const;
  return ctx.boss.work<NotificationJobData, unknown, typeof workOptions>(QUEUES.notify, workOptions, (jobs) => notifyBatch(ctx, jobs, options.timeoutMs));
}

export const notifierWorker: WorkerStarter = {
  name: 'notifier',
  async start(ctx) {
    await startNotifier(ctx);
  },
};

function sequenceKeyOf(payload: Record<string, unknown>): string | null {
  const key = (payload.sequence as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' ? key : null;
}

export async function notifyBatch(ctx: Ctx, jobs: NotifyJob[], timeoutMs?: number): Promise<JobResult[]> {
  const subscriptions = await subscriptionsForEvents(ctx.pool, ctx.schema, [...new Set(jobs.map((j) => j.data.event))]);
  const attempts = await Promise.all(
    jobs.map(async (job) => {
      const { event, deliveryId, occurredAt, payload } = job.data;
      const targets = subscriptions.filter((s) => subscriptionWants(s, event, sequenceKeyOf(payload)));
      const body = JSON.stringify({ event, deliveryId, occurredAt, ...payload });
      const previous = (job.output as { delivered?: string[] } | null)?.delivered ?? [];
      return { job, ...(await fanOut(targets, { event, deliveryId, body, signal: job.signal, timeoutMs }, previous)) };
    }),
  );
  await recordDeliveryHealth(
    ctx.pool,
    ctx.schema,
    attempts.flatMap((a) => a.outcomes),
  );
  return attempts.map(({ job, failures, delivered }): JobResult => {
    ctx.metrics?.dispatches.inc({ event: job.data.event, outcome: failures.length ? 'retrying' : 'delivered' });
    return failures.length
      ? { id: job.id, status: 'failed', output: { delivered, error: failures.map((f) => f.error).join('; ') } }
      : { id: job.id, status: 'completed', output: { delivered } };
  });
}
