import { replayDeliveries } from '../../runtime/inbox/deliveries';
import { openTestDb, type TestDb } from '../support/db';
import { countRows, fixture, notificationsOf, startWebhookServer, uniqueId, WEBHOOK_SECRET, type WebhookServer } from '../support/inbox';

let db: TestDb;
let hook: WebhookServer;
beforeAll(async () => {
  db = await openTestDb();
  hook = await startWebhookServer(db);
});
afterAll(async () => {
  await hook.close();
  await db.close();
});

const webhookRow = async (key: string) =>
  (await db.pool.query(`SELECT status, deliveries, error, source, event, account_id FROM "${db.schema}".webhook_events WHERE dedupe_key = $1`, [key])).rows[0];

function reply(overrides: Record<string, unknown> = {}) {
  return fixture('message_received', { account_id: uniqueId('acc'), message_id: uniqueId('msg'), timestamp: new Date().toISOString(), ...overrides });
}

describe('POST /webhooks/unipile', () => {
  it('stores and applies a reply without a Content-Type, answering processed', async () => {
    const body = reply();
    const res = await hook.post(body);
    expect(res).toEqual({ status: 200, body: { status: 'processed', id: expect.any(String) } });
    const key = `message_received:${body.account_id}:${body.message_id}`;
    expect(await webhookRow(key)).toMatchObject({ status: 'processed', deliveries: 1, source: 'messaging', event: 'message_received', account_id: body.account_id });
    expect(await countRows(db, 'messages', 'provider_message_id = $1', [body.message_id])).toBe(1);
  });

  it('five identical deliveries give one message, one notification and four duplicates', async () => {
    const body = reply();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await hook.post(body)).body.status);
    expect(answers).toEqual(['processed', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await countRows(db, 'messages', 'provider_message_id = $1', [body.message_id])).toBe(1);
    expect(await webhookRow(`message_received:${body.account_id}:${body.message_id}`)).toMatchObject({ deliveries: 5, status: 'processed' });
    const notes = (await notificationsOf(db, 'message.received')).filter((n) => (n.payload as { message: { providerMessageId: string } }).message.providerMessageId === body.message_id);
    expect(notes).toHaveLength(1);
  });

  it('concurrent identical deliveries still give one message', async () => {
    const body = reply();
    const answers = await Promise.all(Array.from({ length: 5 }, () => hook.post(body)));
    expect(answers.map((a) => a.body.status).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'processed']);
    expect(await countRows(db, 'messages', 'provider_message_id = $1', [body.message_id])).toBe(1);
  });

  it('stores an unknown event as ignored, and answers 200', async () => {
    const body = fixture('message_edited', { account_id: uniqueId('acc') });
    expect((await hook.post(body)).body.status).toBe('ignored');
    const { rows } = await db.pool.query(`SELECT status, source, payload FROM "${db.schema}".webhook_events WHERE account_id = $1`, [body.account_id]);
    expect(rows).toEqual([{ status: 'ignored', source: 'messaging', payload: body }]);
    expect(await countRows(db, 'accounts', 'id = $1', [body.account_id])).toBe(0);
  });

  it('stores a body that matches no route as ignored', async () => {
    const body = { hello: uniqueId('world') };
    expect((await hook.post(body)).body.status).toBe('ignored');
    expect(await countRows(db, 'webhook_events', `payload->>'hello' = $1 AND source = 'unknown'`, [body.hello])).toBe(1);
  });

  it('refuses a wrong or missing secret with 401 and stores nothing', async () => {
    const body = reply();
    expect((await hook.post(body, { 'X-Webhook-Secret': `${WEBHOOK_SECRET}x` })).status).toBe(401);
    expect((await hook.post(body, {})).status).toBe(401);
    expect(await countRows(db, 'webhook_events', 'account_id = $1', [body.account_id])).toBe(0);
    expect(await countRows(db, 'accounts', 'id = $1', [body.account_id])).toBe(0);
  });

  it('answers 400 to a body that is not JSON, or not a JSON object, and stores nothing', async () => {
    const before = await countRows(db, 'webhook_events');
    const broken = await hook.post('{"event": "message_received", ', { 'X-Webhook-Secret': WEBHOOK_SECRET, 'Content-Type': 'application/json' });
    expect(broken).toEqual({ status: 400, body: { error: { code: 'invalid_json', message: expect.any(String) } } });
    expect((await hook.post('[1,2]')).status).toBe(400);
    expect((await hook.post('"text"')).status).toBe(400);
    expect(await countRows(db, 'webhook_events')).toBe(before);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const before = await countRows(db, 'webhook_events');
    const huge = JSON.stringify(reply({ message: 'x'.repeat(2 * 1024 * 1024) }));
    const res = await hook.post(huge);
    expect(res.status).toBe(413);
    expect((res.body as { error: { code: string } }).error.code).toBe('too_large');
    expect(await countRows(db, 'webhook_events')).toBe(before);
  });

  it('parses JSON whatever the declared Content-Type', async () => {
    const body = reply();
    const res = await hook.post(JSON.stringify(body), { 'X-Webhook-Secret': WEBHOOK_SECRET, 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(res.body.status).toBe('processed');
  });

  it('keeps a payload it cannot read as failed, with the field named, and replays it once fixed', async () => {
    const body = reply({ chat_id: null });
    const res = await hook.post(body);
    expect(res.body.status).toBe('failed');
    const { rows } = await db.pool.query(`SELECT id, status, error FROM "${db.schema}".webhook_events WHERE id = $1`, [res.body.id]);
    expect(rows[0].status).toBe('failed');
    expect(rows[0].error).toMatch(/chat_id/);
    // An operator (or a code fix) makes the payload readable; replay applies it.
    await db.pool.query(`UPDATE "${db.schema}".webhook_events SET payload = payload || '{"chat_id": "fixed-chat"}' WHERE id = $1`, [res.body.id]);
    const summary = await replayDeliveries(db, { since: new Date(Date.now() - 3_600_000) });
    expect(summary.processed).toBeGreaterThanOrEqual(1);
    expect((await db.pool.query(`SELECT status, error FROM "${db.schema}".webhook_events WHERE id = $1`, [res.body.id])).rows[0]).toEqual({ status: 'processed', error: null });
    expect(await countRows(db, 'messages', 'provider_chat_id = $1 AND provider_message_id = $2', ['fixed-chat', body.message_id])).toBe(1);
  });

  it('a processing error keeps the delivery as failed instead of losing it, and replay re-runs it', async () => {
    const body = reply({ chat_id: 'blocked-chat' });
    // Simulate a bug in the apply step: the conversations table refuses this chat for a moment.
    await db.pool.query(`ALTER TABLE "${db.schema}".conversations ADD CONSTRAINT block_test CHECK (provider_chat_id <> 'blocked-chat') NOT VALID`);
    let res;
    try {
      res = await hook.post(body);
    } finally {
      await db.pool.query(`ALTER TABLE "${db.schema}".conversations DROP CONSTRAINT block_test`);
    }
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('failed');
    const stored = (await db.pool.query(`SELECT status, error, payload FROM "${db.schema}".webhook_events WHERE id = $1`, [res.body.id])).rows[0];
    expect(stored.status).toBe('failed');
    expect(stored.error).toMatch(/block_test/);
    expect(stored.payload).toEqual(body);
    expect(await countRows(db, 'messages', 'provider_message_id = $1', [body.message_id])).toBe(0);
    // The same delivery again is a duplicate (it is stored); replay applies it.
    expect((await hook.post(body)).body.status).toBe('duplicate');
    await replayDeliveries(db);
    expect((await db.pool.query(`SELECT status FROM "${db.schema}".webhook_events WHERE id = $1`, [res.body.id])).rows[0].status).toBe('processed');
    expect(await countRows(db, 'messages', 'provider_message_id = $1', [body.message_id])).toBe(1);
  });

  it('counts deliveries by outcome in the metrics', async () => {
    const text = await hook.state.metrics.registry.getSingleMetricAsString('sequencer_webhook_deliveries_total');
    expect(text).toMatch(/status="processed"/);
    expect(text).toMatch(/status="duplicate"/);
    expect(text).toMatch(/status="unauthorized"/);
    expect(text).toMatch(/status="too_large"/);
  });
});

describe('POST /webhooks/unipile without SEQUENCER_WEBHOOK_SECRET', () => {
  it('refuses every delivery with 503 naming the variable, and stores nothing', async () => {
    const open = await startWebhookServer(db, {});
    try {
      const body = reply();
      const res = await open.post(body, {});
      expect(res.status).toBe(503);
      expect(JSON.stringify(res.body)).toMatch(/SEQUENCER_WEBHOOK_SECRET/);
      expect(await countRows(db, 'webhook_events', 'account_id = $1', [body.account_id])).toBe(0);
    } finally {
      await open.close();
    }
  });
});
