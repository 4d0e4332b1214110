import { ingestEvents } from '../../runtime/inbox/ingest';
import { readWebhook } from '../../runtime/inbox/normalize';
import { openTestDb, type TestDb } from '../support/db';
import {
  countRows,
  enroll,
  enrollmentOf,
  ensureSequence,
  fixture,
  jobStatesOf,
  notificationsOf,
  startWebhookServer,
  uniqueId,
  type WebhookServer,
} from '../support/inbox';

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

const OWN_ID = 'ACoAAOwnMemberId0001';
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

/** A LinkedIn account with one prospect, each test on its own ids. */
function linkedinWorld() {
  const accountId = uniqueId('li');
  const prospect = `ACoAA${uniqueId('P')}`;
  const chatId = uniqueId('chat');
  const sender = { attendee_id: 'att', attendee_provider_id: prospect, attendee_name: 'Jane Prospect', attendee_public_identifier: null };
  const replyFrom = (overrides: Record<string, unknown> = {}) =>
    fixture('message_received', { account_id: accountId, chat_id: chatId, message_id: uniqueId('in'), timestamp: at(0), sender, attendees: [sender], ...overrides });
  const echo = (overrides: Record<string, unknown> = {}) =>
    fixture('message_received.own_echo', { account_id: accountId, chat_id: chatId, message_id: uniqueId('out'), timestamp: at(0), attendees: [sender], ...overrides });
  return { accountId, prospect, chatId, replyFrom, echo };
}

const timeline = async (enrollmentId: string) =>
  (await db.pool.query(`SELECT kind, reason FROM "${db.schema}".enrollment_events WHERE enrollment_id = $1 ORDER BY id`, [enrollmentId])).rows;

describe('a reply stops the sequence', () => {
  it('an inbound LinkedIn reply stops the enrollment, cancels its job and says why', async () => {
    const w = linkedinWorld();
    const seq = await ensureSequence(db, 'reply-stops');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['created']);

    const res = await hook.post(w.replyFrom());
    expect(res.body.status).toBe('processed');

    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied', next_step: null });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['cancelled']);
    expect(await timeline(e.enrollmentId)).toEqual([{ kind: 'stopped', reason: 'replied' }]);
    expect(await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'reply'`, [e.contactId])).toBe(1);
    const [note] = (await notificationsOf(db, 'message.received')).filter((n) => (n.payload as { contact: { id: string } }).contact.id === e.contactId);
    expect(note.payload).toMatchObject({
      isReply: true,
      message: { direction: 'in', text: 'Thanks, happy to chat next week.', classification: null },
      stoppedEnrollments: [{ enrollmentId: e.enrollmentId, reason: 'replied' }],
    });
  });

  it('an echo of our own message is outbound: nothing stops, no reply is recorded', async () => {
    const w = linkedinWorld();
    const seq = await ensureSequence(db, 'echo-does-not-stop');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });

    const echo = w.echo();
    expect((await hook.post(echo)).body.status).toBe('processed');
    // Without account_info the id rule cannot apply: is_sender decides.
    expect((await hook.post(w.echo({ account_info: undefined, message_id: uniqueId('out') }))).body.status).toBe('processed');

    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'active' });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['created']);
    expect(await countRows(db, 'engagement_events', `contact_id = $1`, [e.contactId])).toBe(0);
    const { rows } = await db.pool.query(`SELECT direction, status, contact_id FROM "${db.schema}".messages WHERE provider_chat_id = $1`, [w.chatId]);
    expect(rows).toEqual([
      { direction: 'out', status: 'sent', contact_id: e.contactId },
      { direction: 'out', status: 'sent', contact_id: e.contactId },
    ]);
    const conv = (await db.pool.query(`SELECT contact_id, last_outbound_at, last_inbound_at, unread_count FROM "${db.schema}".conversations WHERE provider_chat_id = $1`, [w.chatId])).rows[0];
    expect(conv).toMatchObject({ contact_id: e.contactId, last_inbound_at: null, unread_count: 0 });
    expect(conv.last_outbound_at).toBeInstanceOf(Date);
  });

  it('the own id wins over is_sender: a prospect message flagged is_sender stays a reply', async () => {
    const w = linkedinWorld();
    const seq = await ensureSequence(db, 'id-over-flag');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });
    await hook.post(w.replyFrom({ is_sender: true }));
    expect((await enrollmentOf(db, e.enrollmentId)).status).toBe('stopped');
  });

  it('a LinkedIn event message (a reaction, a missed call) from the prospect is kept but is no reply', async () => {
    const w = linkedinWorld();
    const seq = await ensureSequence(db, 'event-message');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });
    expect((await hook.post(w.replyFrom({ is_event: 1, event_type: 2, message: null }))).body.status).toBe('processed');
    expect((await enrollmentOf(db, e.enrollmentId)).status).toBe('active');
    expect(await countRows(db, 'messages', 'provider_chat_id = $1', [w.chatId])).toBe(1);
  });

  it('a reply written before the enrollment started does not stop it', async () => {
    const w = linkedinWorld();
    const seq = await ensureSequence(db, 'old-reply');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });
    await hook.post(w.replyFrom({ timestamp: at(3 * 24 * 60) }));
    expect((await enrollmentOf(db, e.enrollmentId)).status).toBe('active');
  });

  it('an email reply stops the same person\'s LinkedIn sequence (replied_other_channel) through the identity graph', async () => {
    const w = linkedinWorld();
    const email = `${uniqueId('jane')}@acme-corp.io`;
    const seq = await ensureSequence(db, 'cross-channel');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: w.prospect }, { kind: 'email', value: email }], accountId: w.accountId });
    const mail = fixture('mail_received', {
      email_id: uniqueId('mail'),
      account_id: uniqueId('gmail'),
      date: at(0),
      from_attendee: { display_name: 'Jane', identifier: email.toUpperCase(), identifier_type: 'EMAIL_ADDRESS' },
    });
    expect((await hook.post(mail)).body.status).toBe('processed');
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied_other_channel' });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['cancelled']);
  });

  it('company scope stops a colleague\'s enrollment; contact scope leaves colleagues alone', async () => {
    const domain = `${uniqueId('globex')}.com`;
    const companyWide = await ensureSequence(db, 'company-scope', { stopOnReply: 'company' });
    const personal = await ensureSequence(db, 'contact-scope', { stopOnReply: 'contact' });
    const replier = await enroll(db, { sequenceId: companyWide, identities: [{ kind: 'email', value: `ann@${domain}` }] });
    const colleague = await enroll(db, { sequenceId: companyWide, identities: [{ kind: 'email', value: `bob@${domain}` }] });
    const colleagueElsewhere = await enroll(db, { sequenceId: personal, identities: [{ kind: 'email', value: `bob@${domain}` }] });
    const stranger = await enroll(db, { sequenceId: companyWide, identities: [{ kind: 'email', value: `eve@${uniqueId('initech')}.com` }] });

    await hook.post(fixture('mail_received', { email_id: uniqueId('mail'), account_id: uniqueId('gmail'), date: at(0), from_attendee: { identifier: `ann@${domain}` } }));

    expect(await enrollmentOf(db, replier.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied_other_channel' });
    expect(await enrollmentOf(db, colleague.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'company_replied' });
    expect(await jobStatesOf(db, colleague.enrollmentId)).toEqual(['cancelled']);
    expect((await enrollmentOf(db, colleagueElsewhere.enrollmentId)).status).toBe('active');
    expect((await enrollmentOf(db, stranger.enrollmentId)).status).toBe('active');
  });

  it('colleagues replying at the same moment are all applied, none is left failed', async () => {
    const domain = `${uniqueId('umbrella')}.com`;
    const seq = await ensureSequence(db, 'company-race', { stopOnReply: 'company' });
    const people = await Promise.all(Array.from({ length: 8 }, (_, i) => enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: `p${i}@${domain}` }] })));
    const answers = await Promise.all(
      people.map((_, i) => hook.post(fixture('mail_received', { email_id: uniqueId('mail'), account_id: uniqueId('gmail'), date: at(0), from_attendee: { identifier: `p${i}@${domain}` } }))),
    );
    expect(answers.map((a) => a.body.status)).toEqual(people.map(() => 'processed'));
    for (const p of people) expect((await enrollmentOf(db, p.enrollmentId)).status).toBe('stopped');
  });

  it('conversation scope stops only the enrollment that wrote in that conversation', async () => {
    const w = linkedinWorld();
    const convSeqA = await ensureSequence(db, 'conversation-scope-a', { stopOnReply: 'conversation' });
    const convSeqB = await ensureSequence(db, 'conversation-scope-b', { stopOnReply: 'conversation' });
    const wrote = await enroll(db, { sequenceId: convSeqA, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });
    const silent = await enroll(db, { sequenceId: convSeqB, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });
    // What UniPile Send records for the first sequence's message in this chat.
    await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, contact_id, provider_message_id, provider_chat_id, channel, direction, text, status, enrollment_id, step, sent_at)
       VALUES ($1, $2, $3, $4, 'linkedin', 'out', 'Hello', 'sent', $5, 'intro', now() - interval '1 hour')`,
      [w.accountId, wrote.contactId, uniqueId('sent'), w.chatId, wrote.enrollmentId],
    );
    await hook.post(w.replyFrom());
    expect(await enrollmentOf(db, wrote.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect((await enrollmentOf(db, silent.enrollmentId)).status).toBe('active');
    const reply = (await db.pool.query(`SELECT enrollment_id FROM "${db.schema}".engagement_events WHERE contact_id = $1 AND kind = 'reply'`, [wrote.contactId])).rows[0];
    expect(reply.enrollment_id).toBe(wrote.enrollmentId);
  });

  it('a bounce records bounced and stops the person\'s enrollments', async () => {
    const address = `${uniqueId('ghost')}@acme-corp.io`;
    const seq = await ensureSequence(db, 'bounce');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: address }] });
    const bounce = fixture('mail_received.bounce', { id: uniqueId('dsn'), account_id: uniqueId('gmail'), date: at(0), body_plain: `Final-Recipient: rfc822; ${address}\nAction: failed` });
    expect((await hook.post(bounce)).body.status).toBe('processed');
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'bounced' });
    expect(await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'bounced'`, [e.contactId])).toBe(1);
    expect(await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'reply'`, [e.contactId])).toBe(0);
    // The mail daemon is no contact.
    expect(await countRows(db, 'contact_identities', `value = 'mailer-daemon@googlemail.com'`)).toBe(0);
  });
});

describe('sends we recorded are matched, not duplicated', () => {
  it('the echo of a send recorded as sending (no provider id yet) confirms that row', async () => {
    const w = linkedinWorld();
    const seq = await ensureSequence(db, 'recorded-send');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });
    const { rows } = await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, contact_id, provider_chat_id, channel, direction, text, status, enrollment_id, step, idempotency_key)
       VALUES ($1, $2, $3, 'linkedin', 'out', $4, 'sending', $5, 'followup', $6) RETURNING id`,
      [w.accountId, e.contactId, w.chatId, 'Hi Jane,  following up on my note\nfrom last week.', e.enrollmentId, uniqueId('idem')],
    );
    const echo = w.echo();
    const [outcome] = await ingestEvents(db, [readWebhook(echo).inbox!]);
    expect(outcome).toMatchObject({ isNew: false, direction: 'out', message: { id: rows[0].id, matchedSend: true, enrollmentId: e.enrollmentId } });
    const stored = await db.pool.query(`SELECT id, provider_message_id, status, conversation_id FROM "${db.schema}".messages WHERE account_id = $1`, [w.accountId]);
    expect(stored.rows).toEqual([{ id: rows[0].id, provider_message_id: echo.message_id, status: 'sent', conversation_id: outcome.conversation!.id }]);
    expect((await enrollmentOf(db, e.enrollmentId)).status).toBe('active');
  });

  it('an echo already stored on its own row is never merged into a recorded send later', async () => {
    const w = linkedinWorld();
    await db.pool.query(`INSERT INTO "${db.schema}".accounts (id, provider) VALUES ($1, 'LINKEDIN')`, [w.accountId]);
    await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, provider_chat_id, channel, direction, text, status) VALUES ($1, $2, 'linkedin', 'out', 'Hello there', 'sending')`,
      [w.accountId, w.chatId],
    );
    const messageId = uniqueId('out');
    await ingestEvents(db, [readWebhook(w.echo({ message_id: messageId, message: 'Hello there!' })).inbox!]);
    // Found again (e.g. by the reconciler) with the text the recorded send has: the stored echo stays the one row.
    const [again] = await ingestEvents(db, [readWebhook(w.echo({ message_id: messageId, message: 'Hello there' })).inbox!]);
    expect(again).toMatchObject({ isNew: false, message: { matchedSend: false } });
    const { rows } = await db.pool.query(`SELECT provider_message_id, status FROM "${db.schema}".messages WHERE account_id = $1 ORDER BY created_at`, [w.accountId]);
    expect(rows).toEqual([
      { provider_message_id: null, status: 'sending' },
      { provider_message_id: messageId, status: 'sent' },
    ]);
  });

  it('a send whose outcome was unknown becomes sent when its echo carries the same provider id', async () => {
    const w = linkedinWorld();
    const messageId = uniqueId('out');
    await db.pool.query(`INSERT INTO "${db.schema}".accounts (id, provider) VALUES ($1, 'LINKEDIN')`, [w.accountId]);
    await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, provider_message_id, channel, direction, text, status) VALUES ($1, $2, 'linkedin', 'out', 'Hello', 'unknown')`,
      [w.accountId, messageId],
    );
    const [outcome] = await ingestEvents(db, [readWebhook(w.echo({ message_id: messageId })).inbox!]);
    expect(outcome.message).toMatchObject({ matchedSend: true });
    const stored = await db.pool.query(`SELECT status, provider_chat_id FROM "${db.schema}".messages WHERE account_id = $1`, [w.accountId]);
    expect(stored.rows).toEqual([{ status: 'sent', provider_chat_id: w.chatId }]);
  });

  it('an email echo (mail_sent) confirms the send recorded with its tracking id, and the reply threads onto it', async () => {
    const accountId = uniqueId('gmail');
    const email = `${uniqueId('jane')}@acme-corp.io`;
    const seq = await ensureSequence(db, 'email-thread', { stopOnReply: 'conversation' });
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: email }] });
    const trackingId = uniqueId('trk');
    await db.pool.query(`INSERT INTO "${db.schema}".accounts (id, provider) VALUES ($1, 'GOOGLE_OAUTH')`, [accountId]);
    await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, contact_id, channel, direction, subject, text, status, tracking_id, enrollment_id, step)
       VALUES ($1, $2, 'email', 'out', 'Quick question', 'Hi Jane', 'sent', $3, $4, 'intro')`,
      [accountId, e.contactId, trackingId, e.enrollmentId],
    );
    const sentId = uniqueId('sent');
    await hook.post(fixture('mail_sent', { id: sentId, account_id: accountId, tracking_id: trackingId, date: at(10), to_attendees: [{ identifier: email }] }));
    await hook.post(fixture('mail_received', { email_id: uniqueId('re'), account_id: accountId, date: at(0), from_attendee: { identifier: email }, in_reply_to: { id: sentId, message_id: '<x@y>' } }));
    expect(await countRows(db, 'messages', `account_id = $1 AND direction = 'out'`, [accountId])).toBe(1);
    const { rows } = await db.pool.query(`SELECT DISTINCT conversation_id FROM "${db.schema}".messages WHERE account_id = $1`, [accountId]);
    expect(rows).toHaveLength(1);
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
  });
});

describe('email replies find the email they answer', () => {
  it('an inbound email carrying the tracking id of one of ours is tied to it, even with no echo of the send', async () => {
    const accountId = uniqueId('gmail');
    const email = `${uniqueId('kim')}@acme-corp.io`;
    const seq = await ensureSequence(db, 'email-tracking-thread', { stopOnReply: 'conversation' });
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: email }] });
    const trackingId = uniqueId('trk');
    await db.pool.query(`INSERT INTO "${db.schema}".accounts (id, provider) VALUES ($1, 'GOOGLE_OAUTH')`, [accountId]);
    const { rows } = await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, contact_id, channel, direction, text, status, tracking_id, provider_chat_id, enrollment_id, step)
       VALUES ($1, $2, 'email', 'out', 'Hi Kim', 'sent', $3, 'thread-kim', $4, 'intro') RETURNING id`,
      [accountId, e.contactId, trackingId, e.enrollmentId],
    );
    await hook.post(fixture('mail_received', { email_id: uniqueId('re'), account_id: accountId, date: at(0), from_attendee: { identifier: email }, in_reply_to: null, tracking_id: trackingId }));
    const reply = (await db.pool.query(`SELECT provider_chat_id FROM "${db.schema}".messages WHERE account_id = $1 AND direction = 'in'`, [accountId])).rows[0];
    expect(reply.provider_chat_id).toBe('thread-kim');
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    // The recorded send joined the conversation the reply opened.
    const thread = await db.pool.query(`SELECT DISTINCT conversation_id FROM "${db.schema}".messages WHERE account_id = $1`, [accountId]);
    expect(thread.rows).toHaveLength(1);
    expect(thread.rows[0].conversation_id).not.toBeNull();
    expect(rows).toHaveLength(1);
  });
});

describe('delivery order does not matter', () => {
  it('the same deliveries in any order end in the same inbox and enrollment state', async () => {
    const seq = await ensureSequence(db, 'order');
    const states = [];
    for (const order of [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [2, 0, 3, 1],
    ]) {
      const w = linkedinWorld();
      const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: w.prospect }], accountId: w.accountId });
      const deliveries = [
        w.echo({ message_id: 'm1', timestamp: at(30) }),
        w.replyFrom({ message_id: 'm2', timestamp: at(20), message: 'First answer' }),
        w.replyFrom({ message_id: 'm3', timestamp: at(10), message: 'Second answer' }),
        w.replyFrom({ message_id: 'm2', timestamp: at(20), message: 'First answer' }),
      ];
      for (const i of order) await hook.post(deliveries[i]);
      const conv = (await db.pool.query(
        `SELECT unread_count, last_message_at, last_inbound_at, last_outbound_at FROM "${db.schema}".conversations WHERE account_id = $1`,
        [w.accountId],
      )).rows[0];
      const messages = (await db.pool.query(`SELECT provider_message_id, direction, status FROM "${db.schema}".messages WHERE account_id = $1 ORDER BY provider_message_id`, [w.accountId])).rows;
      const enrollment = await enrollmentOf(db, e.enrollmentId);
      states.push({
        unread: conv.unread_count,
        lastIn: conv.last_inbound_at.getTime() === new Date(deliveries[2].timestamp as string).getTime(),
        lastOut: conv.last_outbound_at.getTime() === new Date(deliveries[0].timestamp as string).getTime(),
        messages,
        enrollment: [enrollment.status, enrollment.stop_reason],
        replies: await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'reply'`, [e.contactId]),
      });
    }
    expect(states[0]).toEqual({
      unread: 2,
      lastIn: true,
      lastOut: true,
      messages: [
        { provider_message_id: 'm1', direction: 'out', status: 'sent' },
        { provider_message_id: 'm2', direction: 'in', status: 'received' },
        { provider_message_id: 'm3', direction: 'in', status: 'received' },
      ],
      enrollment: ['stopped', 'replied'],
      replies: 2,
    });
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
  });
});
