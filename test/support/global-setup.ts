import { createServer } from 'node:net';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../runtime/db/embedded';
import { silentLogger } from '../../runtime/log';

/** One real Postgres for the whole run: TEST_DATABASE_URL, or a throwaway embedded cluster. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) return;
  // One cluster per jest run, so concurrent runs (several checkouts, watch mode) never share one.
  const dataDir = path.resolve(__dirname, `../../.data/test-postgres-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const port = await freePort();
  const db = await startEmbeddedPostgres({
    dataDir,
    port,
    log: silentLogger,
    // Durability is not under test here; speed is welcome.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 400, shared_buffers: '256MB' },
  });
  process.env.TEST_DATABASE_URL = db.url;
  (globalThis as { __SEQUENCER_TEST_PG__?: EmbeddedDatabase }).__SEQUENCER_TEST_PG__ = db;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
