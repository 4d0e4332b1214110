import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { jobsSchemaOf, q } from '../../dist/runtime/db/identifier.js';
import { QUEUES } from '../../dist/runtime/jobs/boss.js';
import { enrollmentJobKey } from '../../dist/runtime/sequences/timers.js';
import { REPO } from './install.mts';
import { cleanEnv, type Cleanup, fail, freePort, mustRun, startService, tail, waitFor, type Service } from './proc.mts';

/**
 * The Sequencer runtime as users run it (`node dist/runtime/cli.js start`), on its own embedded
 * PostgreSQL in the run's temporary folder, or in a fresh schema of TEST_DATABASE_URL when that is
 * set; plus what the check needs to talk to it: its API, its webhook endpoint and its database.
 */

export const API_TOKEN = 'n8n-real-api-token-0123456789abcdef';
export const WEBHOOK_SECRET = 'n8n-real-webhook-secret-0123456789';
const EMBEDDED_PASSWORD = 'sequencer-embedded'; // runtime/db/embedded.ts

export interface Runtime {
  url: string;
  databaseUrl: string;
  schema: string;
  service: Service;
  pool: pg.Pool;
  /** Where the database comes from, for the summary (e.g. "embedded PostgreSQL 18.1"). */
  database: string;
  /** `/api/v1` with the bearer token; fails the check on a status other than `expect`. */
  api<T = Record<string, unknown>>(method: string, route: string, body?: unknown, expect?: number): Promise<T>;
  /** A UniPile webhook delivery to `POST /webhooks/unipile`; returns the runtime's answer. */
  webhook(body: Record<string, unknown>): Promise<{ status: string; id?: string }>;
  /** A CLI command with the runtime's environment (`sequencer <args>`); returns stdout. */
  cli(args: string[]): Promise<string>;
  /** "Time passes": the enrollment's queued step job becomes due now; returns how many jobs were moved. */
  makeDue(enrollmentId: string): Promise<number>;
  /** `<schema>.table`, quoted. */
  table(name: string): string;
}

export async function startRuntime(cleanup: Cleanup, options: { workDir: string; unipileUrl: string; unipileApiKey: string }): Promise<Runtime> {
  const port = await freePort();
  const external = process.env.TEST_DATABASE_URL;
  const schema = external ? `n8n_real_${Date.now().toString(36)}` : 'sequencer';
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    SEQUENCER_SCHEMA: schema,
    SEQUENCER_API_TOKEN: API_TOKEN,
    SEQUENCER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    UNIPILE_DSN: options.unipileUrl,
    UNIPILE_API_KEY: options.unipileApiKey,
    // Accounts are synced once, explicitly (`sequencer accounts sync`); no polling to blur the request log.
    SEQUENCER_RECONCILE_MINUTES: '0',
    SEQUENCER_DISPATCH_RETRY_DELAY_SECONDS: '2',
  };
  let databaseUrl: string;
  if (external) {
    databaseUrl = external;
    env.DATABASE_URL = external;
  } else {
    const dataDir = path.join(options.workDir, 'runtime-data');
    mkdirSync(dataDir, { recursive: true });
    // As root the embedded server runs as `postgres`, which must be able to reach its data directory.
    chmodSync(options.workDir, 0o755);
    chmodSync(dataDir, 0o755);
    const embeddedPort = await freePort();
    env.DATABASE_URL = ''; // empty counts as unset: a DATABASE_URL of the calling shell must not win
    env.SEQUENCER_DATA_DIR = dataDir;
    env.SEQUENCER_EMBEDDED_PORT = String(embeddedPort);
    databaseUrl = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${embeddedPort}/postgres`;
  }
  const childEnv = cleanEnv(env);
  const service = startService('runtime', process.execPath, ['dist/runtime/cli.js', 'start'], { cwd: REPO, env: childEnv, logFile: path.join(options.workDir, 'runtime.log') });
  cleanup.add('runtime', () => service.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `the runtime's /readyz (log: ${service.logFile})`,
    async () => {
      if (service.exited()) fail(`the runtime exited during start:\n${tail(service.logFile)}`);
      return (await fetch(`${url}/readyz`)).status === 200;
    },
    120_000,
  );
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // Idle connections die with the embedded server at the end; that is no error of the check.
  pool.on('error', () => undefined);
  cleanup.add('runtime database', async () => {
    if (external) {
      await service.stop(); // before its schema goes

      await pool.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`);
      await pool.query(`DROP SCHEMA IF EXISTS ${q(jobsSchemaOf(schema))} CASCADE`);
    }
    await pool.end();
  });
  const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
  const s = q(schema);

  return {
    url,
    databaseUrl,
    schema,
    service,
    pool,
    database: `${external ? 'TEST_DATABASE_URL' : 'embedded'} PostgreSQL ${rows[0].server_version.split(' ')[0]}`,
    async api<T>(method: string, route: string, body?: unknown, expect = 200): Promise<T> {
      const response = await fetch(`${url}/api/v1${route}`, {
        method,
        headers: { authorization: `Bearer ${API_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status !== expect) fail(`runtime API ${method} ${route} answered ${response.status} (expected ${expect}): ${text.slice(0, 2000)}`);
      return (text ? JSON.parse(text) : {}) as T;
    },
    async webhook(body) {
      const response = await fetch(`${url}/webhooks/unipile`, { method: 'POST', headers: { 'x-webhook-secret': WEBHOOK_SECRET }, body: JSON.stringify(body) });
      const answer = (await response.json()) as { status: string; id?: string };
      if (response.status !== 200) fail(`POST /webhooks/unipile answered ${response.status}: ${JSON.stringify(answer)}`);
      return answer;
    },
    // The CLI joins the running database (an embedded one belongs to the runtime process).
    cli: (args) =>
      mustRun(`sequencer ${args.join(' ')}`, process.execPath, ['dist/runtime/cli.js', ...args], { cwd: REPO, env: { ...childEnv, DATABASE_URL: databaseUrl }, timeoutMs: 120_000 }),
    async makeDue(enrollmentId) {
      const { rowCount } = await pool.query(`UPDATE ${q(jobsSchemaOf(schema))}.job SET start_after = now() WHERE name = $1 AND singleton_key = $2 AND state < 'active'`, [
        QUEUES.step,
        enrollmentJobKey(enrollmentId),
      ]);
      return rowCount ?? 0;
    },
    table: (name) => `${s}.${name}`,
  };
}
