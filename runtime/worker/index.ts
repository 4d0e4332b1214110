import type { RuntimeCtx } from '../context';

/** Background work the runtime starts once the database is ready (pg-boss `work()` registrations). */
export interface WorkerStarter {
  name: string;
  start(ctx: RuntimeCtx): Promise<void>;
}

export const workerStarters: WorkerStarter[] = [];
