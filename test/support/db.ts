import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Ctx } from '../../runtime/context';
import { jobsSchemaOf, q } from '../../runtime/db/identifier';
import { migrate } from '../../runtime/db/migrate';
import { createPool } from '../../runtime/db/pool';
import { startBoss } from '../../runtime/jobs/boss';
import { silentLogger } from '../../runtime/log';

export interface TestDb extends Ctx {
  url: string;
  pool: Pool;
  boss: PgBoss;
  /** Drops the schemas and closes connections; call in afterAll. */
  close(): Promise<void>;
}

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (global setup starts a database)');
  return url;
}

/** A fresh schema name per test file (and call), valid as a Sequencer schema. */
export function uniqueSchemaName(label = expect.getState().testPath ?? 'test'): string {
  const base = label.split('/').pop()!.replace(/\.test\.ts$/, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 20);
  const suffix = createHash('sha1').update(label).update(randomBytes(8)).digest('hex').slice(0, 8);
  return `t_${base}_${suffix}`;
}

/**
 * Each test file works in its own migrated schema (and its own pg-boss schema), on the one real
 * Postgres of the run. `supervise` starts pg-boss maintenance as the runtime does.
 */
export async function openTestDb(options: { schema?: string; supervise?: boolean } = {}): Promise<TestDb> {
  const url = testDatabaseUrl();
  const schema = options.schema ?? uniqueSchemaName();
  const pool = createPool(url, { max: 20 });
  await migrate(pool, schema);
  const boss = await startBoss({ schema, connectionString: url, supervise: options.supervise ?? false, log: silentLogger });
  return {
    url,
    pool,
    schema,
    boss,
    log: silentLogger,
    async close() {
      await boss.stop({ graceful: false, timeout: 1000 }).catch(() => undefined);
      await pool.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`).catch(() => undefined);
      await pool.query(`DROP SCHEMA IF EXISTS ${q(jobsSchemaOf(schema))} CASCADE`).catch(() => undefined);
      await pool.end();
    },
  };
}
