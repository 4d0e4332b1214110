import path from 'node:path';
import { rmSync } from 'node:fs';
import { startEmbeddedPostgres } from '../../runtime/db/embedded';
import { createPool } from '../../runtime/db/pool';
import { silentLogger } from '../../runtime/log';
import { freePort } from '../support/global-setup';
import { REPO_ROOT } from '../support/root';

/**
 * The benchmark's database: BENCH_DATABASE_URL, or a fresh embedded cluster with production
 * durability (fsync and synchronous commit on), so the figures mean something.
 */
export async function benchDatabase(): Promise<{ url: string; describe: string; stop(): Promise<void> }> {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, describe: 'BENCH_DATABASE_URL', stop: async () => undefined };
  const dataDir = path.join(REPO_ROOT, '.data/bench-postgres');
  rmSync(dataDir, { recursive: true, force: true });
  const db = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    log: silentLogger,
    settings: { max_connections: 300, shared_buffers: '512MB' },
  });
  const pool = createPool(db.url, { max: 1 });
  const { rows } = await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  await pool.end();
  return {
    url: db.url,
    describe: `embedded PostgreSQL ${rows[0].v} (fsync on, synchronous_commit on, shared_buffers 512MB)`,
    async stop() {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The physical limit: single-row autocommit INSERTs of a webhook-sized row, like the ingest's first write. */
export async function rawInsertRate(url: string, clients: number, rowsPerClient: number): Promise<number> {
  const pool = createPool(url, { max: clients });
  await pool.query(`DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), key text UNIQUE, status text NOT NULL DEFAULT 'received', payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX bench_raw_status ON bench_raw (received_at) WHERE status = 'failed'`);
  const payload = JSON.stringify({ event: 'message_received', message: 'x'.repeat(400), sender: { attendee_provider_id: 'ACoAA' } });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const client = await pool.connect();
      try {
        for (let i = 0; i < rowsPerClient; i++) await client.query('INSERT INTO bench_raw (key, payload) VALUES ($1, $2)', [`${c}:${i}`, payload]);
      } finally {
        client.release();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.query('DROP TABLE bench_raw');
  await pool.end();
  return (clients * rowsPerClient) / seconds;
}
