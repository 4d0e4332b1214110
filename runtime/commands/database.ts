import path from 'node:path';
import type { Pool } from 'pg';
import type { Config } from '../config';
import type { Ctx } from '../context';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrate, type MigrationResult } from '../db/migrate';
import { createPool } from '../db/pool';
import { startBoss } from '../jobs/boss';
import { createLogger, type Logger } from '../log';

export interface CommandDatabase {
  pool: Pool;
  url: string;
  log: Logger;
  migrated: MigrationResult;
}

/** Opens the configured database (or the embedded one) migrated, runs `fn`, and closes everything. */
export async function withDatabase<T>(config: Config, fn: (db: CommandDatabase) => Promise<T>): Promise<T> {
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.embeddedPort, log });
  const url = config.databaseUrl ?? embedded!.url;
  const pool = createPool(url, { max: 5 });
  try {
    const migrated = await migrate(pool, config.schema);
    return await fn({ pool, url, log, migrated });
  } finally {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
  }
}

/** `withDatabase` plus a pg-boss client (no supervision): the domain context a command needs to change state. */
export function withContext<T>(config: Config, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  return withDatabase(config, async ({ pool, url, log }) => {
    const boss = await startBoss({ schema: config.schema, connectionString: url, supervise: false, log });
    try {
      return await fn({ pool, schema: config.schema, boss, log, dryRun: config.dryRun });
    } finally {
      await boss.stop({ graceful: false });
    }
  });
}
