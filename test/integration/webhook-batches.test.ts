import { DeliveryBatcher, receiveDeliveries } from '../../runtime/inbox/deliveries';
import { openTestDb, type TestDb } from '../support/db';
import { fixture } from '../support/inbox';

/** Concurrent webhook requests are written in batches; a batch must behave like its deliveries one by one. */
let db: TestDb;
beforeAll(async () => (db = await openTestDb()));
afterAll(async () => db.close());

const message = (id: string, extra: Record<string, unknown> = {}) => ({ body: fixture('message_received', { message_id: id, ...extra }) });
const count = async (sql: string) => Number((await db.pool.query(sql.replaceAll('$s', `"${db.schema}"`))).rows[0].n);

it('answers repeats inside one batch as duplicates and counts every delivery', async () => {
  const results = await receiveDeliveries(db, [message('b-1'), message('b-2'), message('b-1'), message('b-3'), message('b-1')]);
  expect(results.map((r) => r.status)).toEqual(['processed', 'processed', 'duplicate', 'processed', 'duplicate']);
  expect(results[2].id).toBe(results[0].id);
  expect(await count(`SELECT deliveries AS n FROM $s.webhook_events WHERE dedupe_key LIKE '%b-1%'`)).toBe(3);
  expect(await count(`SELECT count(*) AS n FROM $s.messages WHERE provider_message_id LIKE 'b-%'`)).toBe(3);
});

it('fails one delivery alone when it cannot be applied, and processes the rest of its batch', async () => {
  const results = await receiveDeliveries(db, [message('c-1'), message('c-bad', { timestamp: '-005000-01-01T00:00:00.000Z' }), message('c-2')]);
  expect(results.map((r) => r.status)).toEqual(['processed', 'failed', 'processed']);
  expect(await count(`SELECT count(*) AS n FROM $s.webhook_events WHERE status = 'failed' AND dedupe_key LIKE '%c-bad%'`)).toBe(1);
  expect(await count(`SELECT count(*) AS n FROM $s.messages WHERE provider_message_id IN ('c-1', 'c-2')`)).toBe(2);
});

it('coalesces concurrent submissions and answers each with its own result', async () => {
  const batcher = new DeliveryBatcher(db, 8, 2);
  const ids = Array.from({ length: 40 }, (_, i) => `d-${i % 30}`);
  const results = await Promise.all(ids.map((id) => batcher.submit(message(id))));
  expect(results.filter((r) => r.status === 'processed')).toHaveLength(30);
  expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(10);
  expect(await count(`SELECT sum(deliveries) AS n FROM $s.webhook_events WHERE dedupe_key LIKE '%d-%'`)).toBe(40);
});
