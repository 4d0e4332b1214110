import { jobsSchemaOf } from '../../runtime/db/identifier';
import { ingestEvents } from '../../runtime/inbox/ingest';
import { readWebhook } from '../../runtime/inbox/normalize';
import { QUEUES } from '../../runtime/jobs/boss';
import { openTestDb, type TestDb } from '../support/db';
import { countRows, enroll, enrollmentOf, ensureSequence, fixture, jobStatesOf, notificationsOf, startWebhookServer, uniqueId, type WebhookServer } from '../support/inbox';

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

const inFiveDays = () => new Date(Date.now() + 5 * 86_400_000);

async function pendingJob(enrollmentId: string) {
  const { rows } = await db.pool.query(
    `SELECT data, start_after FROM "${jobsSchemaOf(db.schema)}".job WHERE name = $1 AND singleton_key = $2 AND state = 'created'`,
    [QUEUES.step, `enrollment:${enrollmentId}`],
  );
  return rows as { data: { step: string; wokeBy?: string }; start_after: Date }[];
}

describe('an accepted invitation', () => {
  it('new_relation records invitation_accepted and wakes the enrollment waiting on it, once', async () => {
    const accountId = uniqueId('li');
    const prospect = `ACoAA${uniqueId('P')}`;
    const seq = await ensureSequence(db, 'invite-then-message');
    const waiting = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: prospect }], accountId, step: 'first_message', runAt: inFiveDays(), wakeOn: ['invitation_accepted'] });
    const other = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: `ACoAA${uniqueId('Q')}` }], accountId, step: 'first_message', runAt: inFiveDays(), wakeOn: ['invitation_accepted'] });

    const res = await hook.post(fixture('new_relation', { account_id: accountId, user_provider_id: prospect, user_public_identifier: uniqueId('jane') }));
    expect(res.body.status).toBe('processed');

    const [job] = await pendingJob(waiting.enrollmentId);
    expect(job.data).toMatchObject({ step: 'first_message', wokeBy: 'invitation_accepted' });
    expect(job.start_after.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await enrollmentOf(db, waiting.enrollmentId)).toMatchObject({ status: 'active', wake_on: [] });
    expect((await pendingJob(other.enrollmentId))[0].data.wokeBy).toBeUndefined();
    expect(await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'invitation_accepted'`, [waiting.contactId])).toBe(1);
    const notes = (await notificationsOf(db, 'invitation.accepted')).filter((n) => (n.payload as { providerId: string }).providerId === prospect);
    expect(notes).toHaveLength(1);

    // The nested variant for the same person is the same acceptance: nothing new.
    const again = await hook.post(fixture('new_relation.nested', { account_id: accountId, user: { provider_id: prospect, full_name: 'Jane P.' } }));
    expect(again.body.status).toBe('duplicate');
    const [outcome] = await ingestEvents(db, [readWebhook(fixture('new_relation.nested', { account_id: accountId, user: { provider_id: prospect } })).inbox!]);
    expect(outcome).toMatchObject({ isNew: false, woken: [] });
  });
});

describe('email opens and clicks', () => {
  it('an open ties to the outbound email by tracking id, records email_opened and wakes waits on it; a click records link_clicked', async () => {
    const accountId = uniqueId('gmail');
    const email = `${uniqueId('lead')}@acme-corp.io`;
    const trackingId = uniqueId('trk');
    const seq = await ensureSequence(db, 'open-wakes');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: email }], step: 'bump', runAt: inFiveDays(), wakeOn: ['email_opened'] });
    await db.pool.query(`INSERT INTO "${db.schema}".accounts (id, provider) VALUES ($1, 'GOOGLE_OAUTH')`, [accountId]);
    const { rows } = await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, contact_id, channel, direction, text, status, tracking_id, enrollment_id, step)
       VALUES ($1, $2, 'email', 'out', 'Hi', 'sent', $3, $4, 'intro') RETURNING id`,
      [accountId, e.contactId, trackingId, e.enrollmentId],
    );

    const open = await hook.post(fixture('mail_opened', { account_id: accountId, tracking_id: trackingId, event_id: uniqueId('evt') }));
    expect(open.body.status).toBe('processed');
    expect((await pendingJob(e.enrollmentId))[0].data).toMatchObject({ step: 'bump', wokeBy: 'email_opened' });
    const opened = (await db.pool.query(`SELECT message_id, enrollment_id FROM "${db.schema}".engagement_events WHERE contact_id = $1 AND kind = 'email_opened'`, [e.contactId])).rows;
    expect(opened).toEqual([{ message_id: rows[0].id, enrollment_id: e.enrollmentId }]);

    const click = await hook.post(fixture('mail_link_clicked.type_only', { account_id: accountId, tracking_id: trackingId, event_id: uniqueId('evt') }));
    expect(click.body.status).toBe('processed');
    const clicked = (await db.pool.query(`SELECT data FROM "${db.schema}".engagement_events WHERE contact_id = $1 AND kind = 'link_clicked'`, [e.contactId])).rows;
    expect(clicked).toEqual([{ data: expect.objectContaining({ url: 'https://seller.example/pricing' }) }]);
    const clicks = (await notificationsOf(db, 'email.clicked')).filter((n) => (n.payload as { trackingId: string }).trackingId === trackingId);
    expect(clicks).toHaveLength(1);
  });
});

describe('account status', () => {
  it('CREDENTIALS pauses the account\'s active enrollments; OK resumes exactly those', async () => {
    const accountId = uniqueId('li');
    const otherAccount = uniqueId('li');
    const seq = await ensureSequence(db, 'disconnects');
    const a = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: `ACoAA${uniqueId('A')}` }], accountId });
    const b = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: `ACoAA${uniqueId('B')}` }], accountId });
    const manual = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: `ACoAA${uniqueId('M')}` }], accountId });
    await db.pool.query(`UPDATE "${db.schema}".enrollments SET status = 'paused', pause_reason = 'manual' WHERE id = $1`, [manual.enrollmentId]);
    const elsewhere = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: `ACoAA${uniqueId('E')}` }], accountId: otherAccount });

    const down = await hook.post({ AccountStatus: { account_id: accountId, account_type: 'LINKEDIN', message: 'CREDENTIALS' } });
    expect(down.body.status).toBe('processed');
    for (const e of [a, b]) {
      expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'paused', pause_reason: 'account_disconnected' });
      expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['cancelled']);
    }
    expect((await enrollmentOf(db, elsewhere.enrollmentId)).status).toBe('active');
    expect((await db.pool.query(`SELECT status FROM "${db.schema}".accounts WHERE id = $1`, [accountId])).rows[0].status).toBe('CREDENTIALS');

    const up = await hook.post(fixture('account_status', { AccountStatus: { account_id: accountId, account_type: 'LINKEDIN', message: 'OK' } }));
    expect(up.body.status).toBe('processed');
    for (const e of [a, b]) {
      expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'active', pause_reason: null });
      expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['cancelled', 'created']);
    }
    expect(await enrollmentOf(db, manual.enrollmentId)).toMatchObject({ status: 'paused', pause_reason: 'manual' });
    expect((await db.pool.query(`SELECT status FROM "${db.schema}".accounts WHERE id = $1`, [accountId])).rows[0].status).toBe('OK');
    const notes = (await notificationsOf(db, 'account.status')).filter((n) => (n.payload as { account: { id: string } }).account.id === accountId);
    expect(notes.map((n) => (n.payload as { unipileStatus: string }).unipileStatus)).toEqual(['CREDENTIALS', 'OK']);
  });

  it('a resumed step keeps its due time when that is still ahead, inside the working window', async () => {
    const accountId = uniqueId('li');
    const seq = await ensureSequence(db, 'resume-window', { timezone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '23:59' } });
    const due = new Date(Date.now() + 2 * 86_400_000);
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: `ACoAA${uniqueId('R')}` }], accountId, runAt: due });
    await hook.post({ AccountStatus: { account_id: accountId, account_type: 'LINKEDIN', message: 'STOPPED' } });
    await hook.post({ AccountStatus: { account_id: accountId, account_type: 'LINKEDIN', message: 'RECONNECTED' } });
    const enrollment = await enrollmentOf(db, e.enrollmentId);
    expect(enrollment.status).toBe('active');
    expect(Math.abs(enrollment.next_run_at!.getTime() - due.getTime())).toBeLessThan(60_000);
  });

  it('the hosted-auth notify creates the account with its link name', async () => {
    const accountId = uniqueId('new');
    expect((await hook.post(fixture('hosted_auth', { account_id: accountId }))).body.status).toBe('processed');
    const { rows } = await db.pool.query(`SELECT status, name FROM "${db.schema}".accounts WHERE id = $1`, [accountId]);
    expect(rows).toEqual([{ status: 'OK', name: 'workspace-7:user-12' }]);
  });
});

describe('message activity', () => {
  it('message_read by the account owner clears the unread count; a reaction changes nothing', async () => {
    const accountId = uniqueId('li');
    const chatId = uniqueId('chat');
    const inbound = fixture('message_received', { account_id: accountId, chat_id: chatId, message_id: uniqueId('in'), timestamp: new Date().toISOString() });
    await hook.post(inbound);
    const unread = async () => (await db.pool.query(`SELECT unread_count FROM "${db.schema}".conversations WHERE provider_chat_id = $1`, [chatId])).rows[0].unread_count;
    expect(await unread()).toBe(1);
    expect((await hook.post(fixture('message_reaction', { account_id: accountId, chat_id: chatId }))).body.status).toBe('processed');
    expect(await unread()).toBe(1);
    const read = { event: 'message_read', account_id: accountId, account_type: 'LINKEDIN', chat_id: chatId, message_id: inbound.message_id, timestamp: new Date(Date.now() + 1000).toISOString() };
    expect((await hook.post(read)).body.status).toBe('processed');
    expect(await unread()).toBe(0);
  });
});
