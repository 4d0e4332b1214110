import { DateTime } from 'luxon';
import { closeAllConnections } from '../../nodes/shared/database';
import { q } from '../../runtime/db/identifier';
import { createSequence } from '../../runtime/sequences/definitions';
import { enroll } from '../../runtime/sequences/enroll';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, openNowSettings, timelineOf } from '../support/engine';
import { assertSucceeded, chatReply, emailReply, fakeModel, FlowDriver, receive, seedAccount, type FlowRun } from '../support/flows';
import { outputOf } from '../support/n8n';

/**
 * flows/reply-triage.json, run end to end: a reply ingested by the runtime reaches the flow as
 * `message.received`, AI Classify (rules, then the mocked model) routes it, and each branch does what
 * it says — notify and assign, hand to a person, pause until the return date, do-not-contact.
 */
let db: TestDb;
let flow: FlowDriver;
const LINKEDIN = 'acc_linkedin_triage';
const MAIL = 'acc_mail_triage';
const OWN_ID = 'ACoAAOwnTriageMember1';
const calendar = openNowSettings();
let model: ReturnType<typeof fakeModel>;

beforeAll(async () => {
  db = await openTestDb();
  await seedAccount(db, { id: LINKEDIN, provider: 'LINKEDIN', ownProviderId: OWN_ID });
  await seedAccount(db, { id: MAIL, provider: 'GOOGLE_OAUTH' });
  await createSequence(db, { key: 'outreach', settings: calendar as never });
  // Only the conversation the sequence wrote in stops it: replies elsewhere do not.
  await createSequence(db, { key: 'outreach-thread-stop', settings: { ...calendar, stopOnReply: 'conversation' } as never });
  flow = await FlowDriver.start(db, 'reply-triage');
});
beforeEach(() => {
  model = fakeModel({
    'tell me more': { category: 'interested' },
    'Tuesday at 3pm': { category: 'meeting_request' },
    'How does pricing': { category: 'question' },
    'Hmm, maybe': { category: 'not_now', confidence: 0.3 },
  });
});
afterAll(async () => {
  await flow.close();
  await closeAllConnections();
  await db.close();
});

let people = 0;
async function prospect(sequenceKey = 'outreach') {
  const n = ++people;
  const email = `prospect${n}@acme.io`;
  const linkedinProviderId = `ACoAATriageProspect${n}x`;
  const [r] = await enroll(db, { sequenceKey, accountId: LINKEDIN, contacts: [{ email, linkedinProviderId, firstName: 'Jane' }] });
  return { email, linkedinProviderId, enrollmentId: r.enrollmentId!, contactId: r.contactId! };
}

/** Ingests a UniPile webhook body, then runs the triage flow for the message.received it produces. */
async function triage(body: Record<string, unknown>): Promise<FlowRun> {
  const received = await receive(db, body);
  const messageId = received.outcome!.message!.id;
  const delivery = await flow.next((b) => b.event === 'message.received' && (b.message as { id: string }).id === messageId, 'the message.received event');
  const run = await flow.run(delivery);
  assertSucceeded(run);
  return run;
}

async function storedCategory(contactId: string): Promise<string | null> {
  const { rows } = await db.pool.query(`SELECT classification->>'category' AS category FROM ${q(db.schema)}.messages WHERE contact_id = $1 AND direction = 'in'`, [contactId]);
  return rows[0]?.category ?? null;
}

describe('Reply triage', () => {
  it.each([
    ['interested', 'Sounds great, tell me more about it.'],
    ['meeting_request', 'Tuesday at 3pm works for a call.'],
  ])('%s: notifies sales and assigns the conversation; the sequence was stopped with the reply', async (category, text) => {
    const p = await prospect();
    const run = await triage(chatReply({ accountId: LINKEDIN, ownProviderId: OWN_ID, senderProviderId: p.linkedinProviderId, text }));

    expect(run.order).toEqual(['Sequencer Trigger', 'Classify Reply', 'Notify Sales (Placeholder)', 'Assign Owner (Placeholder)']);
    const assigned = outputOf(run.run, 'Assign Owner (Placeholder)')![0].json;
    expect(assigned).toMatchObject({
      classification: { category, source: 'model' },
      contact: { id: p.contactId },
      conversation: { id: expect.any(String) },
      stoppedEnrollments: [expect.objectContaining({ enrollmentId: p.enrollmentId, reason: 'replied' })],
    });
    expect(await enrollmentRow(db, p.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(await storedCategory(p.contactId)).toBe(category);
    expect(model.requests.some((r) => r.includes(text))).toBe(true);
  });

  it('question: hands the conversation to a person', async () => {
    const p = await prospect();
    const run = await triage(emailReply({ accountId: MAIL, from: p.email, subject: 'Re: Quick question', text: 'How does pricing work for 10 seats?' }));
    expect(run.order).toEqual(['Sequencer Trigger', 'Classify Reply', 'Hand to a Person (Placeholder)']);
    expect(outputOf(run.run, 'Hand to a Person (Placeholder)')![0].json).toMatchObject({ classification: { category: 'question' } });
    expect(await storedCategory(p.contactId)).toBe('question');
  });

  it('an unsure model answer goes to a person too (needs review)', async () => {
    const p = await prospect();
    const run = await triage(emailReply({ accountId: MAIL, from: p.email, subject: 'Re: Quick question', text: 'Hmm, maybe. Not sure yet.' }));
    expect(run.order).toEqual(['Sequencer Trigger', 'Classify Reply', 'Hand to a Person (Placeholder)']);
    expect(outputOf(run.run, 'Hand to a Person (Placeholder)')![0].json).toMatchObject({ classification: { category: 'needs_review', suggestedCategory: 'not_now' } });
  });

  it('out of office: with the default stop rule the sequence is paused until the return date, not stopped, and the branch hears of it', async () => {
    const p = await prospect();
    const back = DateTime.now().plus({ days: 14 });
    const text = `Thank you for your email. I am out of the office until ${back.toFormat('d MMMM')} with limited access to email. For urgent matters please contact my colleague.`;
    const run = await triage(emailReply({ accountId: MAIL, from: p.email, subject: 'Automatic reply: Quick question', text }));

    expect(run.order).toEqual(['Sequencer Trigger', 'Classify Reply', 'Paused Until Return']);
    const item = outputOf(run.run, 'Paused Until Return')![0].json;
    // The runtime paused it when it stored the notice (not a reply: nothing stopped); the write-back finds it paused.
    expect(item).toMatchObject({
      isReply: false,
      stoppedEnrollments: [],
      pausedEnrollments: [expect.objectContaining({ enrollmentId: p.enrollmentId, reason: 'out_of_office' })],
      classification: { category: 'out_of_office', source: 'rules', oooReturnDate: back.toISODate() },
      writeBack: { pausedEnrollments: [p.enrollmentId] },
    });
    const row = await enrollmentRow(db, p.enrollmentId);
    expect(row).toMatchObject({ status: 'paused', pause_reason: 'out_of_office', stop_reason: null });
    expect(DateTime.fromJSDate(row.paused_until!, { zone: calendar.timezone }).toISODate()).toBe(back.toISODate());
    expect((item.writeBack as { pausedUntil: string }).pausedUntil).toBe(row.paused_until!.toISOString());
    // Paused once, by the ingest; the flow's write-back did not pause it again.
    expect((await timelineOf(db, p.enrollmentId)).filter((e) => e.kind === 'paused').map((e) => e.data.via)).toEqual(['ingest']);
    expect(model.requests.some((r) => r.includes('out of the office'))).toBe(false);
  });

  it('unsubscribe: marks the contact do-not-contact and stops every sequence, without a model call', async () => {
    const p = await prospect();
    const run = await triage(emailReply({ accountId: MAIL, from: p.email, subject: 'Re: Quick question', text: 'Please remove me from your list.' }));

    expect(run.order).toEqual(['Sequencer Trigger', 'Classify Reply', 'Do-Not-Contact Recorded']);
    expect(outputOf(run.run, 'Do-Not-Contact Recorded')![0].json).toMatchObject({ classification: { category: 'unsubscribe', source: 'rules' }, writeBack: { doNotContact: true } });
    const { rows } = await db.pool.query(`SELECT do_not_contact, do_not_contact_reason FROM ${q(db.schema)}.contacts WHERE id = $1`, [p.contactId]);
    expect(rows[0]).toEqual({ do_not_contact: true, do_not_contact_reason: 'unsubscribed' });
    // Stopped by the runtime when it stored the reply, with the unsubscribe as the reason (not merely `replied`).
    expect(await enrollmentRow(db, p.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
    // and the contact is not enrolled anywhere again
    const [again] = await enroll(db, { sequenceKey: 'outreach-thread-stop', contacts: [{ email: p.email }] });
    expect(again.outcome).toBe('skipped_do_not_contact');
    expect(model.requests.some((r) => r.includes('remove me'))).toBe(false);
  });
});
