import { loadConfig } from '../../runtime/config';
import type { RuntimeCtx } from '../../runtime/context';
import { jobsSchemaOf } from '../../runtime/db/identifier';
import { createPool } from '../../runtime/db/pool';
import { silentLogger, type Logger } from '../../runtime/log';
import { startRuntime, type RunningRuntime } from '../../runtime/service';
import { testDatabaseUrl, uniqueSchemaName } from './db';
import { freePort } from './global-setup';

export const TEST_API_TOKEN = 'test-api-token-0123456789';
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export interface TestRuntime {
  runtime: RunningRuntime;
  ctx: RuntimeCtx;
  url: string;
  /** Calls /api/v1 with the bearer token; returns status and parsed JSON. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The real runtime (HTTP, workers, pg-boss) on a free port, in its own schema of the test database; silent unless given a logger. */
export async function startTestRuntime(env: Record<string, string> = {}, log: Logger = silentLogger): Promise<TestRuntime> {
  const schema = env.SEQUENCER_SCHEMA ?? uniqueSchemaName();
  const config = loadConfig({
    DATABASE_URL: testDatabaseUrl(),
    SEQUENCER_SCHEMA: schema,
    PORT: String(await freePort()),
    SEQUENCER_API_TOKEN: TEST_API_TOKEN,
    SEQUENCER_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    ...env,
  });
  const runtime = await startRuntime(config, log);
  const ctx = await runtime.ready;
  return {
    runtime,
    ctx,
    url: runtime.url,
    async api(method, path, body, headers = {}) {
      const res = await fetch(`${runtime.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${TEST_API_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await runtime.close();
      const pool = createPool(testDatabaseUrl());
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${jobsSchemaOf(schema)}" CASCADE`);
      await pool.end();
    },
  };
}
