import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { loadConfig } from '../../runtime/config';
import type { RuntimeCtx } from '../../runtime/context';
import { upsertContacts } from '../../runtime/contacts/upsert';
import type { Identity } from '../../runtime/contacts/identity';
import { jobsSchemaOf } from '../../runtime/db/identifier';
import { withTransaction } from '../../runtime/db/pool';
import { webhookRoutes } from '../../runtime/inbox/http';
import { QUEUES } from '../../runtime/jobs/boss';
import { silentLogger } from '../../runtime/log';
import { createMetrics } from '../../runtime/metrics';
import { createApp } from '../../runtime/server/app';
import type { RuntimeState } from '../../runtime/service';
import { enqueueStepJobs } from '../../runtime/sequences/timers';
import type { TestDb } from './db';

/** UniPile webhook fixtures (test/fixtures/unipile), built from reference unipile-api-v1.md §12. */
export function fixture(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/unipile', `${name}.json`), 'utf8')) as Record<string, unknown>;
  return { ...body, ...overrides };
}

export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export interface WebhookServer {
  url: string;
  state: RuntimeState;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** The runtime's HTTP app (only the webhook routes) on 127.0.0.1, over a test database. */
export async function startWebhookServer(db: TestDb, env: Record<string, string> = { SEQUENCER_WEBHOOK_SECRET: WEBHOOK_SECRET }): Promise<WebhookServer> {
  const config = loadConfig({ DATABASE_URL: db.url, SEQUENCER_SCHEMA: db.schema, ...env });
  const metrics = createMetrics();
  const ctx: RuntimeCtx = { ...db, config, metrics };
  const state: RuntimeState = { config, log: silentLogger, metrics, databaseTarget: 'test', ctx, workersRunning: true, workerNames: [], routes: [webhookRoutes] };
  const server = await new Promise<Server>((resolve) => {
    const s = createApp(state).listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  const url = `http://127.0.0.1:${port}/webhooks/unipile`;
  return {
    url,
    state,
    async post(body, headers = { 'X-Webhook-Secret': WEBHOOK_SECRET }) {
      // UniPile omits the Content-Type on API-created webhooks: send none unless a test asks.
      const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function ensureSequence(db: TestDb, key: string, settings: Record<string, unknown> = {}): Promise<string> {
  const { rows } = await db.pool.query(
    `INSERT INTO "${db.schema}".sequences (key, name, settings) VALUES ($1, $1, $2)
     ON CONFLICT (key) DO UPDATE SET settings = EXCLUDED.settings RETURNING id`,
    [key, JSON.stringify(settings)],
  );
  return rows[0].id as string;
}

export interface Enrolled {
  enrollmentId: string;
  contactId: string;
}

/** An enrollment waiting for its next step, with its pg-boss job, written as the engine would. */
export async function enroll(
  db: TestDb,
  o: { sequenceId: string; identities: Identity[]; accountId?: string; companyDomain?: string; step?: string; runAt?: Date; wakeOn?: string[] },
): Promise<Enrolled> {
  const [{ contactId }] = await upsertContacts(db.pool, db.schema, [{ identities: o.identities, companyDomain: o.companyDomain ?? null }]);
  if (o.accountId) {
    await db.pool.query(`INSERT INTO "${db.schema}".accounts (id, provider) VALUES ($1, 'LINKEDIN') ON CONFLICT (id) DO NOTHING`, [o.accountId]);
  }
  const step = o.step ?? 'followup';
  const runAt = o.runAt ?? new Date(Date.now() + 86_400_000);
  return withTransaction(db.pool, async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO "${db.schema}".enrollments (sequence_id, contact_id, account_id, next_step, next_run_at, wake_on, schedule_version, enrolled_at)
       VALUES ($1, $2, $3, $4, $5, $6, 1, now() - interval '1 day') RETURNING id`,
      [o.sequenceId, contactId, o.accountId ?? null, step, runAt, o.wakeOn ?? []],
    );
    await enqueueStepJobs(db, tx, [{ enrollmentId: rows[0].id, step, version: 1, runAt }]);
    return { enrollmentId: rows[0].id as string, contactId };
  });
}

export async function enrollmentOf(db: TestDb, id: string) {
  const { rows } = await db.pool.query(
    `SELECT status, stop_reason, pause_reason, next_step, next_run_at, wake_on FROM "${db.schema}".enrollments WHERE id = $1`,
    [id],
  );
  return rows[0] as { status: string; stop_reason: string | null; pause_reason: string | null; next_step: string | null; next_run_at: Date | null; wake_on: string[] };
}

export async function jobStatesOf(db: TestDb, enrollmentId: string): Promise<string[]> {
  const { rows } = await db.pool.query(
    `SELECT state::text AS state FROM "${jobsSchemaOf(db.schema)}".job WHERE name = $1 AND singleton_key = $2 ORDER BY created_on`,
    [QUEUES.step, `enrollment:${enrollmentId}`],
  );
  return rows.map((r) => r.state as string);
}

export async function notificationsOf(db: TestDb, event: string): Promise<Record<string, unknown>[]> {
  const { rows } = await db.pool.query(`SELECT data FROM "${jobsSchemaOf(db.schema)}".job WHERE name = $1 AND data->>'event' = $2 ORDER BY created_on`, [
    QUEUES.notify,
    event,
  ]);
  return rows.map((r) => r.data as Record<string, unknown>);
}

export async function countRows(db: TestDb, table: string, where = 'true', values: unknown[] = []): Promise<number> {
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM "${db.schema}".${table} WHERE ${where}`, values);
  return rows[0].n as number;
}

/** Fresh ids and "now" timestamps, so each test works on its own rows. */
export function uniqueId(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
}
