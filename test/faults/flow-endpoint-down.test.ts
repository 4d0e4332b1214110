import { enroll } from '../../runtime/sequences/enroll';
import { changeEnrollments } from '../../runtime/sequences/enrollments';
import type { ChildRuntime } from '../support/child-runtime';
import { openTestDb, type TestDb } from '../support/db';
import { contacts, sequenceToSink, startChild, startSink, waitFor, type Sink } from './support';

/** n8n's endpoint down: retries with backoff, then `failed` with `dispatch_failed`; `retry` delivers once it is back. */
let db: TestDb;
let sink: Sink;
let runtime: ChildRuntime;

beforeAll(async () => {
  db = await openTestDb();
  sink = await startSink();
  await sequenceToSink(db, 'down', sink);
  runtime = await startChild(db.url, db.schema, { SEQUENCER_DISPATCH_RETRIES: '2', SEQUENCER_DISPATCH_RETRY_DELAY_SECONDS: '1' });
});
afterAll(async () => {
  await runtime.kill('SIGTERM');
  await sink.close();
  await db.close();
});

const s = () => `"${db.schema}"`;

it('retries, fails with dispatch_failed, and delivers on retry once the flow is back', async () => {
  sink.status = 503;
  const results = await enroll(db, { sequenceKey: 'down', contacts: contacts(20, 'down') });
  const ids = results.map((r) => r.enrollmentId!);
  const failed = async () =>
    Number((await db.pool.query(`SELECT count(*) AS n FROM ${s()}.enrollments WHERE status = 'failed' AND stop_reason = 'dispatch_failed'`)).rows[0].n);
  await waitFor('every enrollment to fail after its retries', async () => (await failed()) === 20, 60_000, 500);

  const { rows: attempts } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${s()}.enrollment_events WHERE enrollment_id = $1 AND kind = 'dispatch_error'`,
    [ids[0]],
  );
  expect(attempts[0].n).toBe(3); // the first attempt and two retries, with backoff between them
  expect(sink.received).toEqual([]);

  sink.status = 200;
  const retried = await changeEnrollments(db, ids, { action: 'retry' });
  expect(retried.map((r) => r.outcome)).toEqual(ids.map(() => 'changed'));
  await waitFor('every retried step to be delivered', () => new Set(sink.received.map((d) => d.enrollmentId)).size === 20, 60_000, 250);
  const { rows } = await db.pool.query(`SELECT DISTINCT status FROM ${s()}.enrollments`);
  expect(rows).toEqual([{ status: 'active' }]);
  expect(sink.received).toHaveLength(20);
});
