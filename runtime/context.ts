import type { Pool } from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Config } from './config';
import type { Logger } from './log';
import type { Metrics } from './metrics';

/**
 * What every domain function needs: the database, the validated schema name and the job queue.
 * The runtime builds one at start; nodes build one per credential (nodes/shared/context.ts).
 */
export interface Ctx {
  pool: Pool;
  schema: string;
  boss: PgBoss;
  log: Logger;
  metrics?: Metrics;
  /** SEQUENCER_DRY_RUN: everything happens except calls to UniPile. */
  dryRun?: boolean;
}

/** The runtime's context adds its configuration. */
export interface RuntimeCtx extends Ctx {
  config: Config;
  metrics: Metrics;
}
