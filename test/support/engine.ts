import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jobsSchemaOf, q } from '../../runtime/db/identifier';
import { QUEUES } from '../../runtime/jobs/boss';
import { enrollmentJobKey } from '../../runtime/sequences/timers';
import type { TestDb } from './db';

/**
 * Helpers for sequence-engine tests: a calendar that is open right now, a local HTTP sink standing in
 * for n8n's webhook endpoint, and "time travel" by making a pending job due (never sleeping for a delay).
 */

/**
 * Settings whose working window contains the current moment whenever the test runs: every day,
 * 00:00–23:59, in a fixed-offset zone where it is about noon now.
 */
export function openNowSettings(extra: Record<string, unknown> = {}) {
  const offset = 12 - new Date().getUTCHours(); // -11 … +12
  const timezone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  return { timezone, workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '23:59' }, ...extra };
}

export interface SinkRequest {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
}

export interface Sink {
  url: string;
  requests: SinkRequest[];
  /** Status code per request (default 200). */
  respond: (req: SinkRequest) => number;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const sink = { requests: [] as SinkRequest[], respond: (() => 200) as Sink['respond'] } as Sink;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { url: req.url ?? '', headers: req.headers, body, json: JSON.parse(body || '{}') as Record<string, unknown> };
      sink.requests.push(entry);
      res.statusCode = sink.respond(entry);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

/** Polls `check` until it returns a truthy value (the workers poll every 0.5 s). */
export async function eventually<T>(check: () => Promise<T> | T, what = 'condition', timeoutMs = 15_000): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface JobRow {
  id: string;
  name: string;
  state: string;
  data: { step: string; version: number; wokeBy?: string; kind?: string };
  start_after: Date;
}

/** The step jobs (and dead letters) of an enrollment, oldest first. */
export async function jobsOf(db: TestDb, enrollmentId: string, queue: string = QUEUES.step): Promise<JobRow[]> {
  const { rows } = await db.pool.query<JobRow>(
    `SELECT id, name, state::text AS state, data, start_after FROM ${q(jobsSchemaOf(db.schema))}.job WHERE name = $1 AND singleton_key = $2 ORDER BY created_on, start_after`,
    [queue, enrollmentJobKey(enrollmentId)],
  );
  return rows;
}

/** "Time passes": the enrollment's queued jobs become due now. */
export async function makeDue(db: TestDb, enrollmentId: string): Promise<number> {
  const { rowCount } = await db.pool.query(
    `UPDATE ${q(jobsSchemaOf(db.schema))}.job SET start_after = now() WHERE name = $1 AND singleton_key = $2 AND state < 'active'`,
    [QUEUES.step, enrollmentJobKey(enrollmentId)],
  );
  return rowCount ?? 0;
}

export async function timelineOf(db: TestDb, enrollmentId: string): Promise<{ kind: string; step: string | null; reason: string | null; data: Record<string, unknown> }[]> {
  const { rows } = await db.pool.query(`SELECT kind, step, reason, data FROM ${q(db.schema)}.enrollment_events WHERE enrollment_id = $1 ORDER BY id`, [enrollmentId]);
  return rows;
}

export async function enrollmentRow(db: TestDb, enrollmentId: string) {
  const { rows } = await db.pool.query(
    `SELECT status, current_step, next_step, next_run_at, wake_on, schedule_version, stop_reason, pause_reason, paused_until FROM ${q(db.schema)}.enrollments WHERE id = $1`,
    [enrollmentId],
  );
  return rows[0] as {
    status: string;
    current_step: string | null;
    next_step: string | null;
    next_run_at: Date | null;
    wake_on: string[];
    schedule_version: number;
    stop_reason: string | null;
    pause_reason: string | null;
    paused_until: Date | null;
  };
}
