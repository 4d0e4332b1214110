import nock from 'nock';
import { main } from '../../runtime/cli';
import { loadConfig } from '../../runtime/config';
import { createMetrics } from '../../runtime/metrics';
import { cronEvery, fanOut, reconcileAccount, reconcilerWorker } from '../../runtime/inbox/reconciler';
import { QUEUES } from '../../runtime/jobs/boss';
import { jobsSchemaOf } from '../../runtime/db/identifier';
import { UnipileClient } from '../../runtime/unipile/client';
import { openTestDb, type TestDb } from '../support/db';
import { countRows, enroll, enrollmentOf, ensureSequence, jobStatesOf, notificationsOf, uniqueId } from '../support/inbox';

const DSN = 'api1.unipile.test:13111';
const BASE = `https://${DSN}`;
const OWN_ID = 'ACoAAOwnMemberId0001';

let db: TestDb;
let client: UnipileClient;
beforeAll(async () => {
  db = await openTestDb();
  client = new UnipileClient({ dsn: DSN, apiKey: 'test-key', sleep: async () => undefined });
});
afterAll(async () => db.close());

async function linkedinAccount(lastSyncedMinutesAgo: number | null = 60) {
  const id = uniqueId('li');
  await db.pool.query(
    `INSERT INTO "${db.schema}".accounts (id, provider, own_provider_id, last_synced_at) VALUES ($1, 'LINKEDIN', $2, $3)`,
    [id, OWN_ID, lastSyncedMinutesAgo === null ? null : new Date(Date.now() - lastSyncedMinutesAgo * 60_000)],
  );
  return id;
}

function restMessage(accountId: string, o: { id: string; chatId: string; senderId: string; text: string; minutesAgo: number }) {
  return {
    object: 'Message',
    id: o.id,
    account_id: accountId,
    chat_id: o.chatId,
    chat_provider_id: '2-chat',
    provider_id: `2-${o.id}`,
    sender_id: o.senderId,
    sender_attendee_id: 'att',
    text: o.text,
    timestamp: new Date(Date.now() - o.minutesAgo * 60_000).toISOString(),
    is_sender: o.senderId === OWN_ID ? 1 : 0,
    attachments: [],
    reactions: [],
    seen: 0,
    hidden: 0,
    deleted: 0,
    edited: 0,
    is_event: 0,
    delivered: 1,
  };
}

const lastSynced = async (accountId: string) => (await db.pool.query(`SELECT last_synced_at FROM "${db.schema}".accounts WHERE id = $1`, [accountId])).rows[0].last_synced_at as Date | null;

describe('the reconciler', () => {
  it('finds a reply no webhook delivered, stops the sequence, and a second run changes nothing', async () => {
    const accountId = await linkedinAccount(60);
    const prospect = `ACoAA${uniqueId('P')}`;
    const seq = await ensureSequence(db, 'reconcile-reply');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: prospect }], accountId });
    const chatId = uniqueId('chat');
    const items = [
      restMessage(accountId, { id: uniqueId('m'), chatId, senderId: prospect, text: 'Yes, let us talk', minutesAgo: 5 }),
      restMessage(accountId, { id: uniqueId('m'), chatId, senderId: OWN_ID, text: 'Hi Jane', minutesAgo: 30 }),
    ];
    const before = await lastSynced(accountId);
    const seen: string[] = [];
    nock(BASE)
      .get('/api/v1/messages')
      .query((q) => {
        seen.push(String(q.after));
        return q.account_id === accountId;
      })
      .times(2)
      .reply(200, { object: 'MessageList', items, cursor: null });

    const first = await reconcileAccount(db, client, accountId);
    expect(first).toMatchObject({ status: 'done', messages: 2, newMessages: 2, stoppedEnrollments: 1 });
    // It asked for messages after the last sync minus the 15-minute margin.
    expect(new Date(seen[0]).getTime()).toBe(before!.getTime() - 15 * 60_000);
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['cancelled']);
    const { rows } = await db.pool.query(`SELECT direction FROM "${db.schema}".messages WHERE provider_chat_id = $1 ORDER BY sent_at`, [chatId]);
    expect(rows.map((r) => r.direction)).toEqual(['out', 'in']);
    expect((await lastSynced(accountId))!.getTime()).toBeGreaterThan(before!.getTime());

    const snapshot = async () => ({
      messages: await countRows(db, 'messages', 'account_id = $1', [accountId]),
      events: await countRows(db, 'enrollment_events', 'enrollment_id = $1', [e.enrollmentId]),
      engagement: await countRows(db, 'engagement_events', 'contact_id = $1', [e.contactId]),
      notes: (await notificationsOf(db, 'message.received')).length,
      unread: (await db.pool.query(`SELECT unread_count FROM "${db.schema}".conversations WHERE provider_chat_id = $1`, [chatId])).rows[0].unread_count,
    });
    const afterFirst = await snapshot();
    const second = await reconcileAccount(db, client, accountId);
    expect(second).toMatchObject({ status: 'done', messages: 2, newMessages: 0, stoppedEnrollments: 0 });
    expect(await snapshot()).toEqual(afterFirst);
    expect(nock.isDone()).toBe(true);
  });

  it('follows the cursor through every page', async () => {
    const accountId = await linkedinAccount(null);
    const chatId = uniqueId('chat');
    const other = `ACoAA${uniqueId('X')}`;
    nock(BASE)
      .get('/api/v1/messages')
      .query((q) => !q.cursor)
      .reply(200, { items: [restMessage(accountId, { id: uniqueId('m'), chatId, senderId: other, text: 'one', minutesAgo: 3 })], cursor: 'page-2' })
      .get('/api/v1/messages')
      .query((q) => q.cursor === 'page-2')
      .reply(200, { items: [restMessage(accountId, { id: uniqueId('m'), chatId, senderId: other, text: 'two', minutesAgo: 2 })], cursor: null });
    const result = await reconcileAccount(db, client, accountId);
    expect(result).toMatchObject({ status: 'done', messages: 2, newMessages: 2 });
    // A first sync looks back a day.
    expect(Date.now() - new Date(result.since!).getTime()).toBeGreaterThanOrEqual(24 * 3_600_000 - 5_000);
  });

  it('finds an acceptance of a pending invitation in the relations list and wakes the waiting step, once', async () => {
    const accountId = await linkedinAccount(60);
    const prospect = `ACoAA${uniqueId('P')}`;
    const seq = await ensureSequence(db, 'reconcile-accept');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: prospect }], accountId, step: 'first_message', runAt: new Date(Date.now() + 5 * 86_400_000), wakeOn: ['invitation_accepted'] });
    // What UniPile Send records when the invitation goes out.
    await db.pool.query(
      `INSERT INTO "${db.schema}".engagement_events (contact_id, account_id, channel, kind, occurred_at, source_key, data)
       VALUES ($1, $2, 'linkedin', 'invitation_sent', now() - interval '2 days', $3, '{}')`,
      [e.contactId, accountId, uniqueId('invitation_sent')],
    );
    const relation = (memberId: string, daysAgo: number) => ({
      object: 'UserRelation',
      member_id: memberId,
      member_urn: `urn:li:fsd_profile:${memberId}`,
      first_name: 'Jane',
      last_name: 'Prospect',
      public_identifier: uniqueId('jane'),
      created_at: Date.now() - daysAgo * 86_400_000,
    });
    nock(BASE).get('/api/v1/messages').query(true).times(2).reply(200, { items: [], cursor: null });
    nock(BASE)
      .get('/api/v1/users/relations')
      .query((q) => q.account_id === accountId)
      .reply(200, { object: 'UserRelationsList', items: [relation(`ACoAA${uniqueId('N')}`, 0), relation(prospect, 1)], cursor: 'more' });

    const first = await reconcileAccount(db, client, accountId);
    expect(first).toMatchObject({ status: 'done', acceptances: 1 });
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'active', wake_on: [] });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['cancelled', 'created']);
    // Nothing is pending any more: the second run does not even read the relations.
    const second = await reconcileAccount(db, client, accountId);
    expect(second).toMatchObject({ status: 'done', acceptances: 0 });
    expect(nock.isDone()).toBe(true);
  });

  it('logs a UniPile error, keeps the last sync, and lets the next round retry', async () => {
    const accountId = await linkedinAccount(60);
    const before = await lastSynced(accountId);
    nock(BASE).get('/api/v1/messages').query(true).reply(401, { status: 401, type: 'errors/disconnected_account', title: 'Account is disconnected' });
    const result = await reconcileAccount(db, client, accountId);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/disconnected_account/);
    expect(await lastSynced(accountId)).toEqual(before);
  });

  it('leaves an account alone while another runtime reconciles it', async () => {
    const accountId = await linkedinAccount(60);
    const holder = await db.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`sequencer-reconcile:${db.schema}:${accountId}`]);
      expect((await reconcileAccount(db, client, accountId)).status).toBe('locked');
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      holder.release();
    }
  });

  it('a round refreshes accounts from UniPile (a missed CREDENTIALS pauses) and queues the connected ones', async () => {
    const healthy = uniqueId('li');
    const broken = await linkedinAccount(60);
    const seq = await ensureSequence(db, 'reconcile-status');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: `ACoAA${uniqueId('S')}` }], accountId: broken });
    nock(BASE)
      .get('/api/v1/accounts')
      .query(true)
      .reply(200, {
        object: 'AccountList',
        items: [
          { object: 'Account', id: healthy, name: 'Sam', type: 'LINKEDIN', created_at: '2026-01-01T00:00:00.000Z', connection_params: { im: { id: 'ACoAAHealthy' } }, sources: [{ id: 's1', status: 'OK' }] },
          { object: 'Account', id: broken, name: 'Bo', type: 'LINKEDIN', created_at: '2026-01-01T00:00:00.000Z', connection_params: { im: { id: OWN_ID } }, sources: [{ id: 's2', status: 'CREDENTIALS' }] },
        ],
        cursor: null,
      });
    const queued = await fanOut(db, client);
    expect(queued).toContain(healthy);
    expect(queued).not.toContain(broken);
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'paused', pause_reason: 'account_disconnected' });
    const { rows } = await db.pool.query(`SELECT own_provider_id, status FROM "${db.schema}".accounts WHERE id = $1`, [healthy]);
    expect(rows[0]).toEqual({ own_provider_id: 'ACoAAHealthy', status: 'OK' });
    const jobs = await db.pool.query(`SELECT data FROM "${jobsSchemaOf(db.schema)}".job WHERE name = $1 AND data->>'accountId' = $2`, [QUEUES.reconcile, healthy]);
    expect(jobs.rows).toHaveLength(1);
  });
});

describe('the reconciler schedule', () => {
  it('runs every SEQUENCER_RECONCILE_MINUTES when UniPile is configured, and not at all when set to 0', async () => {
    const ctxWith = (env: Record<string, string>) => ({ ...db, config: loadConfig({ DATABASE_URL: db.url, SEQUENCER_SCHEMA: db.schema, UNIPILE_DSN: DSN, UNIPILE_API_KEY: 'k', ...env }), metrics: createMetrics() });
    await reconcilerWorker.start(ctxWith({ SEQUENCER_RECONCILE_MINUTES: '5' }));
    await db.boss.offWork(QUEUES.reconcile);
    expect((await db.boss.getSchedules(QUEUES.reconcile)).map((s) => s.cron)).toEqual(['*/5 * * * *']);
    await reconcilerWorker.start(ctxWith({ SEQUENCER_RECONCILE_MINUTES: '0' }));
    expect(await db.boss.getSchedules(QUEUES.reconcile)).toEqual([]);
    expect(cronEvery(10)).toBe('*/10 * * * *');
    expect(cronEvery(60)).toBe('0 * * * *');
    expect(loadConfig({}).reconcileMinutes).toBe(10);
  });
});

describe('sequencer reconcile', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  it('reconciles one account by hand from a given time, and explains a missing UniPile configuration', async () => {
    const accountId = await linkedinAccount(60);
    const out: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
    jest.spyOn(console, 'error').mockImplementation((m: string) => void out.push(m));
    Object.assign(process.env, { DATABASE_URL: db.url, SEQUENCER_SCHEMA: db.schema, LOG_LEVEL: 'silent' });
    expect(await main(['reconcile', '--account', accountId])).toBe(1);
    expect(out.join('\n')).toMatch(/UNIPILE_DSN and UNIPILE_API_KEY/);

    Object.assign(process.env, { UNIPILE_DSN: DSN, UNIPILE_API_KEY: 'test-key' });
    let after = '';
    nock(BASE)
      .get('/api/v1/messages')
      .query((q) => {
        after = String(q.after);
        return true;
      })
      .reply(200, { items: [], cursor: null });
    expect(await main(['reconcile', '--account', accountId, '--since', '2h'])).toBe(0);
    expect(Math.abs(Date.now() - 2 * 3_600_000 - new Date(after).getTime())).toBeLessThan(60_000);
    expect(out.join('\n')).toMatch(new RegExp(`${accountId}.*done`));
    expect(await main(['reconcile', '--since', 'yesterday'])).toBe(2);
  });
});
