import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { QUEUES } from '../../runtime/jobs/boss';
import { dispatchBatch } from '../../runtime/sequences/dispatcher';
import type { StepJobData } from '../../runtime/sequences/timers';
import { openTestDb, type TestDb } from '../support/db';
import { jobsOf, makeDue, timelineOf } from '../support/engine';
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

/**
 * Only a reply counts as a reply (DESIGN §6.2, docs/classify.md): the ingest screens every new inbound
 * message with the classify rules first. An out-of-office pauses the person's sequences until the return
 * date, an automatic reply changes nothing, an unsubscribe stops everything and marks do-not-contact, a
 * bounce stops the person it bounced for; a genuine reply stops as before and wakes what it left running.
 */
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

interface LabelledReply {
  id: string;
  label: string;
  text: string;
  subject?: string;
  from?: string;
  headers?: Record<string, string>;
}
const labelled: LabelledReply[] = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/replies.json'), 'utf8')).replies;
const reply = (id: string) => labelled.find((r) => r.id === id)!;

const GMAIL = 'acc_gmail_auto';
const LINKEDIN = 'acc_linkedin_auto';
const OWN_ID = 'ACoAAOwnAutoMember01';

/** `mail_received` from the contact, in reply to nothing we know (a fresh thread). */
function mailFrom(email: string, r: { text: string; subject?: string; headers?: Record<string, string> }, extra: Record<string, unknown> = {}) {
  return fixture('mail_received', {
    email_id: uniqueId('mail'),
    account_id: GMAIL,
    date: new Date().toISOString(),
    from_attendee: { display_name: 'Jane Prospect', identifier: email, identifier_type: 'EMAIL_ADDRESS' },
    subject: r.subject ?? 'Re: Quick question',
    body_plain: r.text,
    body: `<p>${r.text}</p>`,
    in_reply_to: null,
    ...(r.headers ? { headers: r.headers } : {}),
    ...extra,
  });
}

/** `message_received` on LinkedIn from the prospect. */
function linkedinFrom(prospect: string, text: string) {
  const sender = { attendee_id: uniqueId('att'), attendee_provider_id: prospect, attendee_name: 'Jane Prospect', attendee_public_identifier: null };
  return fixture('message_received', {
    account_id: LINKEDIN,
    account_info: { type: 'LINKEDIN', feature: 'classic', user_id: OWN_ID },
    chat_id: uniqueId('chat'),
    message_id: uniqueId('in'),
    timestamp: new Date().toISOString(),
    message: text,
    sender,
    attendees: [sender],
  });
}

const classificationOf = async (providerMessageId: unknown) =>
  (await db.pool.query(`SELECT classification FROM "${db.schema}".messages WHERE provider_message_id = $1`, [providerMessageId])).rows[0]?.classification;
const noteFor = async (contactId: string) =>
  (await notificationsOf(db, 'message.received')).find((n) => (n.payload as { contact: { id: string } }).contact.id === contactId)?.payload as Record<string, unknown>;

describe('an out-of-office notice pauses, it does not stop', () => {
  // A Wednesday two to three weeks ahead: a working day in the default calendar, whatever day the test runs.
  const back = DateTime.utc().plus({ weeks: 2 }).set({ weekday: 3 });

  it('an email OOO with a return date pauses the enrollment until that day and it resumes then', async () => {
    const email = `${uniqueId('away')}@acme.io`;
    const seq = await ensureSequence(db, 'ooo-email');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: email }] });
    const notice = reply('en-018'); // Auto-Submitted header, "Automatic reply:" subject, "will return on Monday 10 March"
    const mail = mailFrom(email, { ...notice, text: notice.text.replace('Monday 10 March', back.toFormat('cccc d MMMM')) });

    expect((await hook.post(mail)).body.status).toBe('processed');

    const row = await enrollmentOf(db, e.enrollmentId);
    expect(row).toMatchObject({ status: 'paused', pause_reason: 'out_of_office', stop_reason: null, next_step: 'followup' });
    // Default settings: the working day opens at 09:00 UTC.
    const until = `${back.toISODate()}T09:00:00.000Z`;
    expect((await timelineOf(db, e.enrollmentId)).map((t) => [t.kind, t.reason, t.data.until])).toEqual([['paused', 'out_of_office', until]]);
    const jobs = await jobsOf(db, e.enrollmentId);
    expect(jobs.map((j) => [j.state, j.data.kind ?? 'step'])).toEqual([
      ['cancelled', 'step'],
      ['created', 'resume'],
    ]);
    expect(jobs[1].start_after.toISOString()).toBe(until);
    // Not a reply: no `reply` event (Condition Branch's "replied" stays false), the rules' verdict on the message.
    expect(await countRows(db, 'engagement_events', 'contact_id = $1', [e.contactId])).toBe(0);
    expect(await classificationOf(mail.email_id)).toMatchObject({ category: 'out_of_office', source: 'rules', oooReturnDate: back.toISODate(), classifiedAt: expect.any(String) });
    expect(await noteFor(e.contactId)).toMatchObject({
      isReply: false,
      message: { classification: { category: 'out_of_office', source: 'rules' } },
      stoppedEnrollments: [],
      pausedEnrollments: [{ enrollmentId: e.enrollmentId, reason: 'out_of_office', until }],
    });

    // The same notice delivered again changes nothing.
    expect((await hook.post(mail)).body.status).toBe('duplicate');
    expect((await timelineOf(db, e.enrollmentId)).filter((t) => t.kind === 'paused')).toHaveLength(1);

    // The return day comes: the resume timer is due and the dispatcher resumes the enrollment.
    expect(await makeDue(db, e.enrollmentId)).toBe(1);
    const due = await db.boss.fetch<StepJobData>(QUEUES.step, { batchSize: 50, includeMetadata: true });
    await dispatchBatch(db, due.filter((j) => j.data.enrollmentId === e.enrollmentId));
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'active', pause_reason: null, next_step: 'followup' });
    expect((await timelineOf(db, e.enrollmentId)).at(-1)).toMatchObject({ kind: 'resumed', reason: 'pause_expired' });
    expect((await jobsOf(db, e.enrollmentId)).filter((j) => j.state === 'created')).toHaveLength(1);
  });

  it('an OOO without a return date neither pauses nor stops: the sequence goes on', async () => {
    const prospect = `ACoAA${uniqueId('P')}`;
    const seq = await ensureSequence(db, 'ooo-no-date');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: prospect }], accountId: LINKEDIN });
    const message = linkedinFrom(prospect, reply('de-013').text); // "Ich bin zurzeit in Elternzeit…"

    expect((await hook.post(message)).body.status).toBe('processed');
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'active' });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['created']);
    expect(await classificationOf(message.message_id)).toMatchObject({ category: 'out_of_office', oooReturnDate: null, language: 'de' });
  });
});

describe('an automatic reply is no reply', () => {
  it('a LinkedIn auto-reply does not stop the sequence and records no reply', async () => {
    const prospect = `ACoAA${uniqueId('P')}`;
    const seq = await ensureSequence(db, 'auto-linkedin');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: prospect }], accountId: LINKEDIN });
    const message = linkedinFrom(prospect, reply('en-028').text); // "This is an automated response. This mailbox is not monitored…"

    expect((await hook.post(message)).body.status).toBe('processed');
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'active', next_step: 'followup' });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['created']);
    expect(await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'reply'`, [e.contactId])).toBe(0);
    expect(await classificationOf(message.message_id)).toMatchObject({ category: 'auto_reply', source: 'rules' });
    // Still in the inbox, and flows still hear about it.
    expect(await noteFor(e.contactId)).toMatchObject({ isReply: false, message: { classification: { category: 'auto_reply' } }, stoppedEnrollments: [] });
  });

  it('an email auto-reply recognised by its headers does not stop either', async () => {
    const email = `${uniqueId('desk')}@globex.io`;
    const seq = await ensureSequence(db, 'auto-email');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: email }] });
    const mail = mailFrom(email, reply('en-027')); // X-Autoreply header, an ordinary "Re:" subject
    expect((await hook.post(mail)).body.status).toBe('processed');
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'active' });
    expect(await classificationOf(mail.email_id)).toMatchObject({ category: 'auto_reply', reason: expect.stringMatching(/x-autoreply/i) });
  });

  it('a genuine reply still stops, with no classification and isReply', async () => {
    const email = `${uniqueId('jane')}@acme.io`;
    const seq = await ensureSequence(db, 'genuine');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: email }] });
    const mail = mailFrom(email, { text: 'Interested, call me tomorrow afternoon.' });
    await hook.post(mail);
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied_other_channel' });
    expect(await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'reply'`, [e.contactId])).toBe(1);
    expect(await classificationOf(mail.email_id)).toBeNull();
    expect(await noteFor(e.contactId)).toMatchObject({ isReply: true, message: { classification: null } });
  });
});

describe('an unsubscribe is a reply that stops everything', () => {
  it('stops the person\'s enrollments as unsubscribed, marks do-not-contact, and colleagues stop as the stop rules say', async () => {
    const domain = `${uniqueId('initech')}.com`;
    const companyWide = await ensureSequence(db, 'unsub-company', { stopOnReply: 'company' });
    const elsewhere = await ensureSequence(db, 'unsub-thread', { stopOnReply: 'conversation' });
    const person = await enroll(db, { sequenceId: companyWide, identities: [{ kind: 'email', value: `ann@${domain}` }] });
    // A conversation-scoped sequence that never wrote in this thread: a reply would leave it, an unsubscribe does not.
    const other = await enroll(db, { sequenceId: elsewhere, identities: [{ kind: 'email', value: `ann@${domain}` }] });
    const colleague = await enroll(db, { sequenceId: companyWide, identities: [{ kind: 'email', value: `bob@${domain}` }] });

    const mail = mailFrom(`ann@${domain}`, reply('en-001')); // "Please remove me from your list."
    expect((await hook.post(mail)).body.status).toBe('processed');

    for (const id of [person.enrollmentId, other.enrollmentId]) {
      expect(await enrollmentOf(db, id)).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
      expect(await jobStatesOf(db, id)).toEqual(['cancelled']);
    }
    expect(await enrollmentOf(db, colleague.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'company_replied' });
    const { rows } = await db.pool.query(`SELECT do_not_contact, do_not_contact_reason FROM "${db.schema}".contacts WHERE id = $1`, [person.contactId]);
    expect(rows[0]).toEqual({ do_not_contact: true, do_not_contact_reason: 'unsubscribed' });
    const events = await db.pool.query(`SELECT kind, source_key FROM "${db.schema}".engagement_events WHERE contact_id = $1 ORDER BY kind`, [person.contactId]);
    const messageId = (await db.pool.query(`SELECT id FROM "${db.schema}".messages WHERE provider_message_id = $1`, [mail.email_id])).rows[0].id;
    // The unsubscribe event has the key AI Classify's write-back uses: one event whoever records it first.
    expect(events.rows).toEqual([
      { kind: 'reply', source_key: `reply:${GMAIL}:${mail.email_id}` },
      { kind: 'unsubscribed', source_key: `unsubscribed:${messageId}` },
    ]);
    expect(await noteFor(person.contactId)).toMatchObject({ isReply: true, message: { classification: { category: 'unsubscribe' } } });
  });
});

describe('a bounce stops the person it bounced for', () => {
  it('an Outlook non-delivery report (postmaster, "Undeliverable:") answering our email stops that contact as bounced', async () => {
    const email = `${uniqueId('jdoe')}@contoso.com`;
    const seq = await ensureSequence(db, 'bounce-ndr');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'email', value: email }] });
    const ours = uniqueId('sent');
    await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, contact_id, provider_message_id, provider_chat_id, channel, direction, text, status, enrollment_id, step, sent_at)
       VALUES ($1, $2, $3, $4, 'email', 'out', 'Hi', 'sent', $5, 'intro', now() - interval '1 hour')`,
      [GMAIL, e.contactId, ours, uniqueId('thread'), e.enrollmentId],
    );
    const ndr = reply('en-034');
    const mail = fixture('mail_received.bounce', {
      id: uniqueId('ndr'),
      account_id: GMAIL,
      date: new Date().toISOString(),
      from_attendee: { display_name: 'Microsoft Outlook', identifier: ndr.from, identifier_type: 'EMAIL_ADDRESS' },
      subject: ndr.subject,
      body_plain: ndr.text,
      in_reply_to: { id: ours, message_id: '<ours@seller.example>' },
    });

    expect((await hook.post(mail)).body.status).toBe('processed');
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'bounced' });
    expect(await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'bounced'`, [e.contactId])).toBe(1);
    expect(await countRows(db, 'engagement_events', `contact_id = $1 AND kind = 'reply'`, [e.contactId])).toBe(0);
    expect(await countRows(db, 'contact_identities', 'value = $1', [ndr.from])).toBe(0);
    expect(await classificationOf(mail.id)).toMatchObject({ category: 'bounce', source: 'rules' });
  });
});

describe('a reply wakes what it does not stop', () => {
  it('an enrollment waiting on `reply` that the stop rules leave running becomes due now', async () => {
    const prospect = `ACoAA${uniqueId('P')}`;
    const chatId = uniqueId('chat');
    const thread = await ensureSequence(db, 'wake-thread', { stopOnReply: 'conversation' });
    const waiting = await ensureSequence(db, 'wake-waiting', { stopOnReply: 'conversation' });
    const wrote = await enroll(db, { sequenceId: thread, identities: [{ kind: 'linkedin', value: prospect }], accountId: LINKEDIN });
    const waiter = await enroll(db, { sequenceId: waiting, identities: [{ kind: 'linkedin', value: prospect }], accountId: LINKEDIN, wakeOn: ['reply'] });
    const unrelated = await enroll(db, { sequenceId: waiting, identities: [{ kind: 'linkedin', value: `ACoAA${uniqueId('Q')}` }], accountId: LINKEDIN, wakeOn: ['reply'] });
    await db.pool.query(
      `INSERT INTO "${db.schema}".messages (account_id, contact_id, provider_message_id, provider_chat_id, channel, direction, text, status, enrollment_id, step, sent_at)
       VALUES ($1, $2, $3, $4, 'linkedin', 'out', 'Hello', 'sent', $5, 'intro', now() - interval '1 hour')`,
      [LINKEDIN, wrote.contactId, uniqueId('sent'), chatId, wrote.enrollmentId],
    );
    const before = Date.now();

    await hook.post({ ...linkedinFrom(prospect, 'Thanks, happy to chat next week.'), chat_id: chatId });

    expect(await enrollmentOf(db, wrote.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    const woken = await enrollmentOf(db, waiter.enrollmentId);
    expect(woken).toMatchObject({ status: 'active', next_step: 'followup', wake_on: [] });
    expect(woken.next_run_at!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(woken.next_run_at!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect((await timelineOf(db, waiter.enrollmentId)).at(-1)).toMatchObject({ kind: 'woken', data: { event: 'reply' } });
    expect((await jobsOf(db, waiter.enrollmentId)).find((j) => j.state === 'created')?.data.wokeBy).toBe('reply');
    expect(await enrollmentOf(db, unrelated.enrollmentId)).toMatchObject({ wake_on: ['reply'] });
    expect(await noteFor(wrote.contactId)).toMatchObject({ wokenEnrollments: [{ enrollmentId: waiter.enrollmentId }] });
  });

  it('an automatic reply wakes nothing', async () => {
    const prospect = `ACoAA${uniqueId('P')}`;
    const seq = await ensureSequence(db, 'wake-auto', { stopOnReply: 'conversation' });
    const waiter = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: prospect }], accountId: LINKEDIN, wakeOn: ['reply'] });
    await hook.post(linkedinFrom(prospect, reply('en-028').text));
    expect(await enrollmentOf(db, waiter.enrollmentId)).toMatchObject({ status: 'active', wake_on: ['reply'] });
  });
});
