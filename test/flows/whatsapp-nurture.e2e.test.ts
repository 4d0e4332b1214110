import nock from 'nock';
import { closeAllConnections } from '../../nodes/shared/database';
import { q } from '../../runtime/db/identifier';
import { enroll } from '../../runtime/sequences/enroll';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, makeDue, timelineOf } from '../support/engine';
import { chatReply, fakeUnipileTenant, FlowDriver, pacingTimePasses, receive, seedAccount, UNPACED_LIMITS } from '../support/flows';
import { outputOf } from '../support/n8n';

/**
 * flows/whatsapp-nurture.json, run end to end: intro, value message, check-in, each through a Rate
 * Gate on the `whatsapp` action — with the WhatsApp pacing defaults on an account that has no limits
 * of its own.
 */
let db: TestDb;
let flow: FlowDriver;
let sequenceKey: string;
const WHATSAPP = 'acc_whatsapp_flow';
const DEFAULT_PACED = 'acc_whatsapp_defaults';
const OWN_NUMBER = '33100000000@s.whatsapp.net';

beforeAll(async () => {
  db = await openTestDb();
  await seedAccount(db, { id: WHATSAPP, provider: 'WHATSAPP', ownProviderId: OWN_NUMBER, limits: UNPACED_LIMITS });
  await seedAccount(db, { id: DEFAULT_PACED, provider: 'WHATSAPP', ownProviderId: '33100000001@s.whatsapp.net' });
  flow = await FlowDriver.start(db, 'whatsapp-nurture');
  sequenceKey = await flow.createSequence();
});
afterAll(async () => {
  await flow.close();
  await closeAllConnections();
  await db.close();
});

async function enrollPhones(accountId: string, ...phones: string[]): Promise<string[]> {
  const results = await enroll(db, { sequenceKey, accountId, contacts: phones.map((phone) => ({ phone, firstName: 'Ana' })) });
  expect(results.map((r) => r.outcome)).toEqual(phones.map(() => 'enrolled'));
  return results.map((r) => r.enrollmentId!);
}

describe('WhatsApp nurture', () => {
  it('nobody replies: intro, value message and check-in go out once each, then the enrollment completes', async () => {
    const tenant = fakeUnipileTenant();
    const [enrollmentId] = await enrollPhones(WHATSAPP, '+33611111111');
    expect((await flow.runStep(enrollmentId)).step).toBe('wa_intro');
    expect((await flow.advance(enrollmentId)).step).toBe('wa_value');
    const checkin = await flow.advance(enrollmentId);
    expect(checkin.step).toBe('wa_checkin');
    expect(checkin.order).toContain('Complete Sequence');

    const sent = await tenant.sent();
    expect(sent.map((s) => s.op)).toEqual(['start_chat', 'message', 'message']);
    expect(sent[0]).toMatchObject({ account: WHATSAPP, to: '33611111111@s.whatsapp.net', text: expect.stringMatching(/^Hi Ana, thanks for your interest/) });
    expect(sent[1].to).toBe(sent[2].to);
    expect(await enrollmentRow(db, enrollmentId)).toMatchObject({ status: 'completed', current_step: 'wa_checkin' });
  });

  it('a reply after the second touch stops the sequence before the check-in', async () => {
    const tenant = fakeUnipileTenant();
    const [enrollmentId] = await enrollPhones(WHATSAPP, '+33622222222');
    await flow.runStep(enrollmentId);
    await flow.advance(enrollmentId);
    const { rows } = await db.pool.query(`SELECT provider_chat_id FROM ${q(db.schema)}.messages WHERE enrollment_id = $1 AND step = 'wa_intro'`, [enrollmentId]);

    await receive(db, chatReply({ accountId: WHATSAPP, accountType: 'WHATSAPP', ownProviderId: OWN_NUMBER, senderProviderId: '33622222222@s.whatsapp.net', chatId: rows[0].provider_chat_id, text: 'Thanks! Can we talk Friday?' }));

    expect(await enrollmentRow(db, enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(await makeDue(db, enrollmentId)).toBe(0);
    expect((await tenant.sent()).map((s) => s.op)).toEqual(['start_chat', 'message']);
  });

  it('keeps the WhatsApp pacing defaults: a second intro due at the same moment is held back and sent at retryAt, not lost', async () => {
    const tenant = fakeUnipileTenant();
    const [first, second] = await enrollPhones(DEFAULT_PACED, '+33633333333', '+33644444444');
    const runs = [await flow.runStep(first), await flow.runStep(second)];
    const sentFirst = outputOf(runs[0].run, 'Start WhatsApp Chat')![0].json;
    expect(sentFirst.status).toBe('sent');

    const held = outputOf(runs[1].run, 'Gate: WhatsApp Intro', 1)![0].json;
    expect(held).toMatchObject({ reason: 'min_spacing', step: 'wa_intro' });
    const granted = outputOf(runs[0].run, 'Gate: WhatsApp Intro', 0)![0].json.rateGate as { at: string };
    const spacing = (Date.parse(String(held.retryAt)) - Date.parse(granted.at)) / 1000;
    expect(spacing).toBeGreaterThanOrEqual(10); // 10 s minimum spacing …
    expect(spacing).toBeLessThanOrEqual(20); // … plus up to 10 s of jitter
    expect(outputOf(runs[1].run, 'Retry When Allowed')![0].json).toMatchObject({ outcome: 'scheduled', step: 'wa_intro' });
    expect((await timelineOf(db, second)).find((e) => e.kind === 'deferred')).toMatchObject({ step: 'wa_intro', reason: 'min_spacing' });
    expect(tenant.calls).toHaveLength(1);

    await pacingTimePasses(db, DEFAULT_PACED, 30);
    const retried = await flow.advance(second);
    expect(retried.step).toBe('wa_intro');
    expect(outputOf(retried.run, 'Start WhatsApp Chat')![0].json).toMatchObject({ status: 'sent', step: 'wa_intro' });
    expect((await tenant.sent()).map((s) => [s.op, s.to])).toEqual([
      ['start_chat', '33633333333@s.whatsapp.net'],
      ['start_chat', '33644444444@s.whatsapp.net'],
    ]);
    for (const id of [first, second]) expect(await enrollmentRow(db, id)).toMatchObject({ status: 'active', next_step: 'wa_value' });
  });

  it('a 429 from UniPile puts the step off until the cooldown ends, without stopping the enrollment; then it goes out once', async () => {
    fakeUnipileTenant({ 'POST /chats': { status: 429, type: 'errors/too_many_requests' } });
    const [enrollmentId] = await enrollPhones(WHATSAPP, '+33655555555');
    const busy = await flow.runStep(enrollmentId);
    expect(busy.order).toEqual(['Sequencer Trigger', 'Gate: WhatsApp Intro', 'Start WhatsApp Chat', 'Provider Limit?', 'Retry After Cooldown']);
    const { details } = outputOf(busy.run, 'Start WhatsApp Chat', 1)![0].json as { details: { errorClass: string; retryAt: string } };
    expect(details.errorClass).toBe('quota');
    const { rows } = await db.pool.query(`SELECT cooldown_until FROM ${q(db.schema)}.rate_state WHERE account_id = $1 AND action = 'whatsapp'`, [WHATSAPP]);
    expect(rows[0].cooldown_until.toISOString()).toBe(details.retryAt); // an hour after a 429 without Retry-After
    const row = await enrollmentRow(db, enrollmentId);
    expect(row).toMatchObject({ status: 'active', next_step: 'wa_intro' });
    expect(row.next_run_at!.getTime()).toBeGreaterThanOrEqual(Date.parse(details.retryAt));

    nock.cleanAll();
    const tenant = fakeUnipileTenant();
    await db.pool.query(`UPDATE ${q(db.schema)}.rate_state SET cooldown_until = now() WHERE account_id = $1`, [WHATSAPP]); // the cooldown ends
    const retried = await flow.advance(enrollmentId);
    expect(retried.step).toBe('wa_intro');
    expect(outputOf(retried.run, 'Start WhatsApp Chat')![0].json).toMatchObject({ status: 'sent', duplicate: false });
    expect((await tenant.sent()).map((s) => [s.op, s.to])).toEqual([['start_chat', '33655555555@s.whatsapp.net']]);
    expect(await enrollmentRow(db, enrollmentId)).toMatchObject({ status: 'active', next_step: 'wa_value' });
  });
});
