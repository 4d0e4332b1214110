import { PgBoss, type Queue } from 'pg-boss';
import type { Pool } from 'pg';
import { jobsSchemaOf } from '../db/identifier';
import type { DispatchRetry } from '../config';
import type { Logger } from '../log';

/**
 * pg-boss, in its own schema next to the shared one (`<schema>_jobs`), configured for days-long
 * delays (DESIGN §6.6, reference pg-boss-12 §9 and §11).
 */
export const QUEUES = {
  /** One job per due enrollment step; the dispatcher POSTs it to the flow. */
  step: 'sequence-step',
  /** Steps whose dispatch failed after every retry, kept for `retry`. */
  stepDead: 'sequence-step-dead',
  /** Inbox events to POST to subscribed flows after the ingest transaction commits. */
  notify: 'inbox-notify',
  notifyDead: 'inbox-notify-dead',
  /** Periodic reconciliation per account. */
  reconcile: 'reconcile',
  /** Periodic repair of what a crash can leave behind (runtime/sequences/sweeper.ts). */
  sweep: 'sweep',
} as const;

const DAY = 86_400;

type QueueOptions = Omit<Queue, 'name'>;

export const DEFAULT_DISPATCH_RETRY: DispatchRetry = { retries: 6, delaySeconds: 15 };

/** Queue options; the step queue's retries follow SEQUENCER_DISPATCH_RETRIES / _RETRY_DELAY_SECONDS. */
export const queueOptions = (retry: DispatchRetry = DEFAULT_DISPATCH_RETRY): Record<string, QueueOptions> => ({
  [QUEUES.stepDead]: { retentionSeconds: 90 * DAY, deleteAfterSeconds: 90 * DAY },
  [QUEUES.step]: {
    // keep_until = start_after + retention: a step due in 30 days is not purged before it runs,
    // and a due step survives two weeks of runtime downtime.
    retentionSeconds: 14 * DAY,
    // Completed rows keep the job id unique (idempotent re-sends) for a month.
    deleteAfterSeconds: 30 * DAY,
    retryLimit: retry.retries,
    retryDelay: retry.delaySeconds,
    retryBackoff: true,
    retryDelayMax: Math.max(900, retry.delaySeconds),
    // Twice the dispatch timeout: an attempt never overlaps its own retry.
    expireInSeconds: 60,
    heartbeatSeconds: 30,
    deadLetter: QUEUES.stepDead,
  },
  [QUEUES.notifyDead]: { retentionSeconds: 30 * DAY, deleteAfterSeconds: 30 * DAY },
  [QUEUES.notify]: {
    retentionSeconds: 7 * DAY,
    deleteAfterSeconds: 2 * DAY,
    retryLimit: 8,
    retryDelay: 10,
    retryBackoff: true,
    retryDelayMax: 1800,
    expireInSeconds: 60,
    deadLetter: QUEUES.notifyDead,
    notify: true,
  },
  [QUEUES.reconcile]: { retentionSeconds: DAY, deleteAfterSeconds: DAY, retryLimit: 0, expireInSeconds: 900, policy: 'singleton' },
  [QUEUES.sweep]: { retentionSeconds: 3600, deleteAfterSeconds: DAY, retryLimit: 0, expireInSeconds: 300, policy: 'singleton' },
});

export interface BossOptions {
  schema: string;
  log: Logger;
  /** The runtime gives pg-boss its own pool; nodes reuse theirs through `pool`. */
  connectionString?: string;
  pool?: Pool;
  /** Only the runtime supervises (maintenance, cron) and sets queue options; nodes only enqueue and cancel. */
  supervise: boolean;
  dispatchRetry?: DispatchRetry;
}

export async function startBoss(o: BossOptions): Promise<PgBoss> {
  const common = {
    schema: jobsSchemaOf(o.schema),
    supervise: o.supervise,
    schedule: o.supervise,
    migrate: true,
  };
  const boss = o.pool
    ? new PgBoss({ ...common, db: { executeSql: (text: string, values?: unknown[]) => o.pool!.query(text, values) } })
    : new PgBoss({
        ...common,
        connectionString: o.connectionString,
        max: 10,
        useListenNotify: o.supervise,
        // Jobs of a crashed process are found after their heartbeat (30 s) plus one monitor pass.
        monitorIntervalSeconds: 15,
      });
  // Without an error listener a lost connection would crash the process (pg-boss #365).
  boss.on('error', (error: Error) => o.log.error({ err: error }, 'pg-boss error'));
  boss.on('warning', (warning: { message: string }) => o.log.warn({ warning }, 'pg-boss warning'));
  await boss.start();
  await ensureQueues(boss, queueOptions(o.dispatchRetry), { update: o.supervise });
  return boss;
}

/**
 * Creates missing queues; the runtime (`update`) also brings existing ones to its options, since
 * createQueue never changes a queue. Nodes only create, so they never undo the runtime's tuning.
 */
export async function ensureQueues(boss: PgBoss, options: Record<string, QueueOptions>, { update }: { update: boolean }): Promise<void> {
  for (const [name, queue] of Object.entries(options)) {
    const existing = await boss.getQueue(name);
    if (!existing) {
      await boss.createQueue(name, queue);
    } else if (update) {
      const { policy: _fixedAtCreation, ...changeable } = queue;
      await boss.updateQueue(name, changeable);
    }
  }
}
