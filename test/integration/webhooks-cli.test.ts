import nock from 'nock';
import { main } from '../../runtime/cli';
import { receiveDelivery } from '../../runtime/inbox/deliveries';
import { webhookUrlFor } from '../../runtime/inbox/registration';
import { openTestDb, type TestDb } from '../support/db';
import { countRows, fixture, uniqueId, WEBHOOK_SECRET } from '../support/inbox';

const DSN = 'api2.unipile.test:13222';
const BASE = `https://${DSN}`;

let db: TestDb;
beforeAll(async () => (db = await openTestDb()));
afterAll(async () => db.close());

const saved = { ...process.env };
let out: string[];
beforeEach(() => {
  out = [];
  jest.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
  jest.spyOn(console, 'error').mockImplementation((m: string) => void out.push(m));
  Object.assign(process.env, { DATABASE_URL: db.url, SEQUENCER_SCHEMA: db.schema, LOG_LEVEL: 'silent', UNIPILE_DSN: DSN, UNIPILE_API_KEY: 'test-key', SEQUENCER_WEBHOOK_SECRET: WEBHOOK_SECRET });
});
afterEach(() => {
  process.env = { ...saved };
  jest.restoreAllMocks();
});

interface CreatedBody {
  request_url: string;
  source: string;
  name: string;
  events?: string[];
  headers: { key: string; value: string }[];
}

describe('sequencer webhooks register', () => {
  it('creates the five webhooks with the secret and a JSON Content-Type, then registering again changes nothing', async () => {
    const created: CreatedBody[] = [];
    nock(BASE).get('/api/v1/webhooks').query(true).reply(200, { object: 'WebhookList', items: [], cursor: null });
    nock(BASE)
      .post('/api/v1/webhooks', (body: CreatedBody) => {
        created.push(body);
        return true;
      })
      .times(5)
      .reply(201, () => ({ object: 'WebhookCreated', webhook_id: `wh_${created.length}` }));

    expect(await main(['webhooks', 'register', '--public-url', 'https://sequencer.example.com/'])).toBe(0);
    expect(created.map((c) => c.source)).toEqual(['messaging', 'users', 'email', 'email_tracking', 'account_status']);
    for (const c of created) {
      expect(c.request_url).toBe('https://sequencer.example.com/webhooks/unipile');
      expect(c.headers).toEqual([
        { key: 'X-Webhook-Secret', value: WEBHOOK_SECRET },
        { key: 'Content-Type', value: 'application/json' },
      ]);
    }
    expect(created[0]).toMatchObject({ name: 'sequencer-messaging', events: ['message_received', 'message_read', 'message_reaction'] });
    expect(created[3].events).toEqual(['mail_opened', 'mail_link_clicked']);
    expect(out.filter((l) => l.startsWith('created'))).toHaveLength(5);

    // UniPile now lists them: nothing is created again.
    nock(BASE)
      .get('/api/v1/webhooks')
      .query(true)
      .reply(200, { items: created.map((c, i) => ({ id: `wh_${i + 1}`, name: c.name, source: c.source, request_url: c.request_url, headers: c.headers })), cursor: null });
    out = [];
    expect(await main(['webhooks', 'register', '--public-url', 'https://sequencer.example.com'])).toBe(0);
    expect(out.filter((l) => l.startsWith('unchanged'))).toHaveLength(5);
    expect(nock.isDone()).toBe(true);
  });

  it('replaces a webhook of ours that points elsewhere', async () => {
    nock(BASE)
      .get('/api/v1/webhooks')
      .query(true)
      .reply(200, {
        items: [
          { id: 'old', name: 'sequencer-users', source: 'users', request_url: 'https://old.example.com/webhooks/unipile' },
          { id: 'theirs', name: 'someone-else', source: 'messaging', request_url: 'https://crm.example.com/hook' },
        ],
        cursor: null,
      });
    nock(BASE).delete('/api/v1/webhooks/old').reply(200, { object: 'WebhookDeleted' });
    nock(BASE).post('/api/v1/webhooks').times(5).reply(201, { object: 'WebhookCreated', webhook_id: 'new' });
    expect(await main(['webhooks', 'register', '--public-url', 'https://sequencer.example.com'])).toBe(0);
    expect(out.filter((l) => l.startsWith('replaced'))).toEqual([expect.stringContaining('sequencer-users')]);
    expect(nock.isDone()).toBe(true);
  });

  it('refuses to register without a secret or a public URL, saying what to set', async () => {
    delete process.env.SEQUENCER_WEBHOOK_SECRET;
    expect(await main(['webhooks', 'register', '--public-url', 'https://sequencer.example.com'])).toBe(1);
    expect(out.join('\n')).toMatch(/SEQUENCER_WEBHOOK_SECRET/);
    expect(await main(['webhooks', 'register'])).toBe(2);
    expect(() => webhookUrlFor('not a url')).toThrow(/--public-url/);
    expect(webhookUrlFor('https://x.example/base/webhooks/unipile')).toBe('https://x.example/base/webhooks/unipile');
  });
});

describe('sequencer webhooks list and replay', () => {
  it('lists UniPile\'s webhooks', async () => {
    nock(BASE).get('/api/v1/webhooks').query(true).reply(200, { items: [{ id: 'wh_1', name: 'sequencer-messaging', source: 'messaging', request_url: 'https://s.example/webhooks/unipile' }], cursor: null });
    expect(await main(['webhooks', 'list'])).toBe(0);
    expect(out).toEqual(['wh_1  sequencer-messaging  messaging  https://s.example/webhooks/unipile']);
  });

  it('replays failed deliveries received since a time', async () => {
    const old = await receiveDelivery(db, fixture('message_received', { account_id: uniqueId('acc'), message_id: uniqueId('m'), chat_id: 7 }), { receivedAt: new Date() });
    expect(old.status).toBe('failed');
    await db.pool.query(`UPDATE "${db.schema}".webhook_events SET received_at = now() - interval '3 days' WHERE id = $1`, [old.id]);
    const body = fixture('message_received', { account_id: uniqueId('acc'), message_id: uniqueId('m'), chat_id: 8 });
    const recent = await receiveDelivery(db, body);
    expect(recent.status).toBe('failed');
    await db.pool.query(`UPDATE "${db.schema}".webhook_events SET payload = jsonb_set(payload, '{chat_id}', '"chat-8"') WHERE id = $1`, [recent.id]);

    expect(await main(['webhooks', 'replay', '--since', '1d'])).toBe(0);
    expect(out.join('\n')).toMatch(/1 processed/);
    const statuses = await db.pool.query(`SELECT id, status FROM "${db.schema}".webhook_events WHERE id = ANY($1::uuid[])`, [[old.id, recent.id]]);
    expect(Object.fromEntries(statuses.rows.map((r) => [r.id, r.status]))).toEqual({ [old.id]: 'failed', [recent.id]: 'processed' });
    expect(await countRows(db, 'messages', 'provider_message_id = $1', [body.message_id])).toBe(1);
    // Without --since the old one is tried too; it still cannot be read, so the command says so.
    expect(await main(['webhooks', 'replay'])).toBe(1);
  });
});
