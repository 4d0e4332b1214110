import type { RuntimeCtx } from '../context';
import { reconcilerWorker } from '../inbox/reconciler';
import { dispatcherWorker } from '../sequences/dispatcher';
import { sweeperWorker } from '../sequences/sweeper';
import { notifierWorker } from '../subscriptions/notifier';

/** Background work the runtime starts once the database is ready (pg-boss `work()` registrations). */
export interface WorkerStarter {
  name: string;
  start(ctx: RuntimeCtx): Promise<void>;
}

export const workerStarters: WorkerStarter[] = [dispatcherWorker, notifierWorker, reconcilerWorker, sweeperWorker];
