import { DateTime } from 'luxon';
import type { Classification } from '../../runtime/classify/result';
import { writeBack, WriteBackError } from '../../runtime/classify/writeback';
import { withTransaction } from '../../runtime/db/pool';
import { pauseEnrollments } from '../../runtime/sequences/transitions';
import { openTestDb, type TestDb } from '../support/db';
import { enroll, enrollmentOf, ensureSequence, jobStatesOf } from '../support/inbox';

let db: TestDb;
let intro: string;
let nurture: string;
let parisMornings: string;
const ACCOUNT = 'acc-classify';

beforeAll(async () => {
  db = await openTestDb();
  intro = await ensureSequence(db, 'intro');
  nurture = await ensureSequence(db, 'nurture');
  parisMornings = await ensureSequence(db, 'paris', { timezone: 'Europe/Paris', workingHours: { start: '08:30', end: '12:00' } });
});
afterAll(async () => db.close());

const result = (overrides: Partial<Classification>): Classification => ({
  category: 'interested',
  confidence: 0.9,
  sentiment: 'positive',
  language: 'en',
  reason: 'Asks for pricing.',
  oooReturnDate: null,
  source: 'model',
  ...overrides,
});

let chats = 0;
/** An inbound message in a conversation of the contact, as the ingest stores it. */
async function inbound(contactId: string, text: string, sentAt = new Date()) {
  chats++;
  const { rows: conv } = await db.pool.query(
    `INSERT INTO "${db.schema}".conversations (account_id, provider_chat_id, contact_id, channel) VALUES ($1, $2, $3, 'EMAIL') RETURNING id`,
    [ACCOUNT, `chat-${chats}`, contactId],
  );
  return { conversationId: conv[0].id as string, ...(await reply(conv[0].id, contactId, text, sentAt)) };
}

async function reply(conversationId: string, contactId: string, text: string, sentAt: Date) {
  chats++;
  const { rows } = await db.pool.query(
    `INSERT INTO "${db.schema}".messages (account_id, conversation_id, contact_id, provider_message_id, direction, text, status, sent_at, channel)
     VALUES ($1, $2, $3, $4, 'in', $5, 'received', $6, 'EMAIL') RETURNING id, provider_message_id`,
    [ACCOUNT, conversationId, contactId, `msg-${chats}`, text, sentAt],
  );
  return { messageId: rows[0].id as string, providerMessageId: rows[0].provider_message_id as string };
}

const row = async (sql: string, params: unknown[]) => (await db.pool.query(sql.replaceAll('$schema', `"${db.schema}"`), params)).rows[0];

describe('writing classifications back', () => {
  it('stores the result on the message and the conversation; an older message never overwrites a newer one', async () => {
    const { contactId } = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'store@acme.io' }], accountId: ACCOUNT });
    const first = await inbound(contactId, 'Interesting, pricing?', new Date('2025-03-03T10:00:00Z'));
    const second = await reply(first.conversationId, contactId, 'Actually can we meet Tuesday?', new Date('2025-03-04T10:00:00Z'));

    const [a, b] = await writeBack(db, [
      { messageId: second.messageId, classification: result({ category: 'meeting_request' }) },
      { providerMessageId: first.providerMessageId, accountId: ACCOUNT, classification: result({ category: 'question' }) },
    ]);
    expect(a).toMatchObject({ message: 'found', messageId: second.messageId, conversationId: first.conversationId, contactId, stored: true });
    expect(b).toMatchObject({ message: 'found', messageId: first.messageId, stored: true });

    const m = await row('SELECT classification FROM $schema.messages WHERE id = $1', [first.messageId]);
    expect(m.classification).toMatchObject({ category: 'question', source: 'model', confidence: 0.9, classifiedAt: expect.any(String) });
    const c = await row('SELECT classification FROM $schema.conversations WHERE id = $1', [first.conversationId]);
    expect(c.classification).toMatchObject({ category: 'meeting_request', messageId: second.messageId, messageAt: '2025-03-04T10:00:00.000Z' });

    // A later run on the older message alone still leaves the newer classification on the conversation.
    await writeBack(db, [{ messageId: first.messageId, classification: result({ category: 'not_now' }) }]);
    expect((await row('SELECT classification FROM $schema.conversations WHERE id = $1', [first.conversationId])).classification.category).toBe('meeting_request');
  });

  it('an unsubscribe marks the contact do-not-contact, records the event and stops every live enrollment', async () => {
    const { contactId, enrollmentId: active } = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'stop@acme.io' }], accountId: ACCOUNT });
    const { enrollmentId: paused } = await enroll(db, { sequenceId: nurture, identities: [{ kind: 'email', value: 'stop@acme.io' }], accountId: ACCOUNT });
    await withTransaction(db.pool, (tx) => pauseEnrollments(db, tx, [paused], 'manual'));
    const bystander = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'keep@acme.io' }], accountId: ACCOUNT });
    const { messageId } = await inbound(contactId, 'Please remove me from your list.');

    const unsubscribe = result({ category: 'unsubscribe', sentiment: 'negative', source: 'rules', confidence: 0.97, reason: 'unsubscribe request' });
    const [outcome] = await writeBack(db, [{ messageId, classification: unsubscribe }]);
    expect(outcome).toMatchObject({ doNotContact: true, contactId });
    expect(outcome.stoppedEnrollments.sort()).toEqual([active, paused].sort());

    expect(await row('SELECT do_not_contact, do_not_contact_reason, do_not_contact_at IS NOT NULL AS dated FROM $schema.contacts WHERE id = $1', [contactId])).toEqual({
      do_not_contact: true,
      do_not_contact_reason: 'unsubscribed',
      dated: true,
    });
    for (const id of [active, paused]) expect(await enrollmentOf(db, id)).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
    expect(await jobStatesOf(db, active)).toEqual(['cancelled']);
    expect(await enrollmentOf(db, bystander.enrollmentId)).toMatchObject({ status: 'active' });

    // Running the same batch again changes nothing and records the event once.
    await writeBack(db, [{ messageId, classification: unsubscribe }]);
    const events = await db.pool.query(`SELECT kind, message_id, data FROM "${db.schema}".engagement_events WHERE contact_id = $1`, [contactId]);
    expect(events.rows).toEqual([{ kind: 'unsubscribed', message_id: messageId, data: expect.objectContaining({ via: 'classification', source: 'rules' }) }]);
  });

  it('with do-not-contact turned off, an unsubscribe is only stored', async () => {
    const { contactId, enrollmentId } = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'dnc-off@acme.io' }], accountId: ACCOUNT });
    const { messageId } = await inbound(contactId, 'unsubscribe');
    const [outcome] = await writeBack(db, [{ messageId, classification: result({ category: 'unsubscribe' }) }], { markDoNotContact: false });
    expect(outcome).toMatchObject({ stored: true, doNotContact: false, stoppedEnrollments: [] });
    expect(await enrollmentOf(db, enrollmentId)).toMatchObject({ status: 'active' });
    expect((await row('SELECT do_not_contact FROM $schema.contacts WHERE id = $1', [contactId])).do_not_contact).toBe(false);
  });

  describe('an out-of-office with a return date', () => {
    // A Wednesday at least a week ahead, whatever day the test runs.
    const returnDay = DateTime.utc().plus({ weeks: 2 }).set({ weekday: 3 }).toISODate()!;
    const ooo = result({ category: 'out_of_office', sentiment: 'neutral', source: 'rules', oooReturnDate: returnDay, reason: 'out-of-office' });

    it('pauses the active enrollments until the working day starts on that date, when asked to', async () => {
      const { contactId, enrollmentId } = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'away@acme.io' }], accountId: ACCOUNT });
      const paris = await enroll(db, { sequenceId: parisMornings, identities: [{ kind: 'email', value: 'away@acme.io' }], accountId: ACCOUNT });
      const { messageId } = await inbound(contactId, "I'm out of the office.");

      const [outcome] = await writeBack(db, [{ messageId, classification: ooo }], { pauseOutOfOffice: true });
      expect(outcome.pausedEnrollments.sort()).toEqual([enrollmentId, paris.enrollmentId].sort());

      const defaults = await row('SELECT status, pause_reason, paused_until FROM $schema.enrollments WHERE id = $1', [enrollmentId]);
      expect(defaults).toMatchObject({ status: 'paused', pause_reason: 'out_of_office' });
      // Default settings: no calendar of its own → 09:00 UTC on the return day.
      expect(defaults.paused_until.toISOString()).toBe(`${returnDay}T09:00:00.000Z`);
      const parisRow = await row('SELECT paused_until FROM $schema.enrollments WHERE id = $1', [paris.enrollmentId]);
      expect(DateTime.fromJSDate(parisRow.paused_until, { zone: 'Europe/Paris' }).toFormat("yyyy-MM-dd'T'HH:mm")).toBe(`${returnDay}T08:30`);
      // The pending step is kept for the resume; a resume timer waits for the return day.
      expect(await jobStatesOf(db, enrollmentId)).toEqual(['cancelled', 'created']);
    });

    it('a return date on a weekend resumes on the next working day', async () => {
      const saturday = DateTime.fromISO(returnDay).plus({ days: 3 }).toISODate()!;
      const { contactId, enrollmentId } = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'weekend@acme.io' }], accountId: ACCOUNT });
      const { messageId } = await inbound(contactId, 'Away.');
      const [outcome] = await writeBack(db, [{ messageId, classification: { ...ooo, oooReturnDate: saturday } }], { pauseOutOfOffice: true });
      const monday = DateTime.fromISO(saturday, { zone: 'UTC' }).plus({ days: 2 }).toISODate();
      expect(outcome).toMatchObject({ pausedEnrollments: [enrollmentId], pausedUntil: `${monday}T09:00:00.000Z` });
    });

    it('an enrollment already paused for the notice (by the ingest) is reported with its resume time, not paused again', async () => {
      const { contactId, enrollmentId } = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'twice@acme.io' }], accountId: ACCOUNT });
      const { messageId } = await inbound(contactId, "I'm out of the office.");
      const [first] = await writeBack(db, [{ messageId, classification: ooo }], { pauseOutOfOffice: true });
      const [again] = await writeBack(db, [{ messageId, classification: ooo }], { pauseOutOfOffice: true });
      expect(again).toMatchObject({ pausedEnrollments: [enrollmentId], pausedUntil: first.pausedUntil });
      const timeline = await db.pool.query(`SELECT kind FROM "${db.schema}".enrollment_events WHERE enrollment_id = $1`, [enrollmentId]);
      expect(timeline.rows).toEqual([{ kind: 'paused' }]);
      expect(await jobStatesOf(db, enrollmentId)).toEqual(['cancelled', 'created']);
    });

    it('is only stored when pausing is off, and pauses nothing for a date already past', async () => {
      const { contactId, enrollmentId } = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'nopause@acme.io' }], accountId: ACCOUNT });
      const { messageId } = await inbound(contactId, "I'm out of the office.");
      expect((await writeBack(db, [{ messageId, classification: ooo }]))[0]).toMatchObject({ stored: true, pausedEnrollments: [] });
      const yesterday = DateTime.utc().minus({ days: 1 }).toISODate();
      expect((await writeBack(db, [{ messageId, classification: { ...ooo, oooReturnDate: yesterday } }], { pauseOutOfOffice: true }))[0].pausedEnrollments).toEqual([]);
      expect(await enrollmentOf(db, enrollmentId)).toMatchObject({ status: 'active' });
    });
  });

  it('a message that is not stored still acts on the contact the item names', async () => {
    const { contactId, enrollmentId } = await enroll(db, { sequenceId: intro, identities: [{ kind: 'email', value: 'unknown-msg@acme.io' }], accountId: ACCOUNT });
    const [outcome] = await writeBack(db, [{ messageId: 'unipile-msg-never-ingested', contactId, classification: result({ category: 'unsubscribe' }) }]);
    expect(outcome).toMatchObject({ message: 'not_found', stored: false, doNotContact: true, stoppedEnrollments: [enrollmentId] });
  });

  it('refuses an id that is not a Sequencer id, naming the item and field', async () => {
    await expect(writeBack(db, [{ classification: result({}) }, { contactId: 'jane@acme.io', classification: result({}) }])).rejects.toThrow(
      new WriteBackError(1, 'contactId', 'expected the Sequencer contact id (a UUID), e.g. from the inbox event'),
    );
  });
});
