import { jobsSchemaOf } from '../../runtime/db/identifier';
import { QUEUES } from '../../runtime/jobs/boss';
import { enroll } from '../../runtime/sequences/enroll';
import type { ChildRuntime } from '../support/child-runtime';
import { openTestDb, type TestDb } from '../support/db';
import { contacts, sequenceToSink, startChild, startSink, waitFor, type Sink } from './support';

/**
 * kill -9 during a burst of 2,000 due steps, then restart: every step is dispatched, each delivery
 * id arrives at least once, nothing the runtime had recorded as delivered is delivered again, and
 * no enrollment is left stuck.
 */
const STEPS = 2000;
let db: TestDb;
let sink: Sink;
let runtime: ChildRuntime | undefined;

beforeAll(async () => {
  db = await openTestDb();
  sink = await startSink(2);
  await sequenceToSink(db, 'burst', sink);
});
afterAll(async () => {
  await runtime?.kill('SIGKILL');
  await sink.close();
  await db.close();
});

const s = () => `"${db.schema}"`;

it('loses nothing and repeats nothing it had recorded when the runtime is killed mid-burst', async () => {
  runtime = await startChild(db.url, db.schema);
  const results = await enroll(db, { sequenceKey: 'burst', startAt: new Date(Date.now() + 2000), contacts: contacts(STEPS, 'burst') });
  expect(results.filter((r) => r.outcome === 'enrolled')).toHaveLength(STEPS);

  await waitFor('the burst to be under way', () => sink.received.length >= 300, 60_000, 5);
  await runtime.kill('SIGKILL');
  const receivedBeforeKill = sink.received.length;
  const recorded = await db.pool.query<{ delivery_id: string }>(`SELECT DISTINCT data->>'deliveryId' AS delivery_id FROM ${s()}.enrollment_events WHERE kind = 'dispatched'`);
  const recordedBeforeKill = new Set(recorded.rows.map((r) => r.delivery_id));
  expect(receivedBeforeKill).toBeLessThan(STEPS);

  runtime = await startChild(db.url, db.schema);
  const dispatchedCount = async () =>
    Number((await db.pool.query(`SELECT count(*) AS n FROM ${s()}.enrollments WHERE current_step IS NOT NULL`)).rows[0].n);
  await waitFor('every step to be dispatched after the restart', async () => (await dispatchedCount()) === STEPS, 240_000, 1000);

  const enrollments = new Set(sink.received.map((d) => d.enrollmentId));
  expect(enrollments.size).toBe(STEPS);
  const after = sink.received.slice(receivedBeforeKill);
  const repeatedAfterRecord = after.filter((d) => recordedBeforeKill.has(d.deliveryId));
  expect(repeatedAfterRecord).toEqual([]);

  const { rows: stuck } = await db.pool.query(
    `SELECT id, status, next_step FROM ${s()}.enrollments WHERE status <> 'active' OR next_step IS NOT NULL OR current_step IS NULL`,
  );
  expect(stuck).toEqual([]);
  const { rows: pending } = await db.pool.query(
    `SELECT count(*)::int AS n FROM "${jobsSchemaOf(db.schema)}".job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
    [QUEUES.step],
  );
  expect(pending[0].n).toBe(0);
  const duplicates = sink.received.length - new Set(sink.received.map((d) => d.deliveryId)).size;
  console.log(`kill -9 after ${receivedBeforeKill} deliveries (${recordedBeforeKill.size} recorded); ${duplicates} re-deliveries of unrecorded steps after restart`);
});
