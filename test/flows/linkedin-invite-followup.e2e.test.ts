import { closeAllConnections } from '../../nodes/shared/database';
import { q } from '../../runtime/db/identifier';
import { enroll } from '../../runtime/sequences/enroll';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, makeDue, timelineOf } from '../support/engine';
import { acceptance, chatReply, fakeUnipileTenant, FlowDriver, providerIdOf, receive, seedAccount, UNPACED_LIMITS } from '../support/flows';
import { outputOf } from '../support/n8n';

/**
 * flows/linkedin-invite-followup.json, run end to end: profile visit, invitation with a note, the
 * wait for the acceptance, first message, two follow-ups, break-up, complete — or a stop.
 */
let db: TestDb;
let flow: FlowDriver;
let sequenceKey: string;
const LINKEDIN = 'acc_linkedin_flow';
const OWN_ID = 'ACoAAOwnMemberId0001';

beforeAll(async () => {
  db = await openTestDb();
  await seedAccount(db, { id: LINKEDIN, provider: 'LINKEDIN', ownProviderId: OWN_ID, limits: UNPACED_LIMITS });
  flow = await FlowDriver.start(db, 'linkedin-invite-followup');
  sequenceKey = await flow.createSequence();
});
afterAll(async () => {
  await flow.close();
  await closeAllConnections();
  await db.close();
});

async function enrollProspect(slug: string): Promise<string> {
  const [result] = await enroll(db, { sequenceKey, accountId: LINKEDIN, contacts: [{ linkedinPublicId: slug, firstName: 'Jane', company: 'Acme' }] });
  expect(result.outcome).toBe('enrolled');
  return result.enrollmentId!;
}

/** visit_profile, then invite: the first two runs every scenario shares. */
async function upToTheInvitation(enrollmentId: string) {
  expect((await flow.runStep(enrollmentId)).step).toBe('visit_profile');
  const invite = await flow.advance(enrollmentId);
  expect(invite.step).toBe('invite');
  expect(outputOf(invite.run, 'Wait for Acceptance')![0].json).toMatchObject({ outcome: 'scheduled', step: 'first_message', wakeOn: ['invitation_accepted'] });
}

async function sentSteps(enrollmentId: string) {
  const { rows } = await db.pool.query(`SELECT step, action, status FROM ${q(db.schema)}.messages WHERE enrollment_id = $1 ORDER BY created_at`, [enrollmentId]);
  return rows;
}

describe('LinkedIn invite + follow-ups', () => {
  it('nobody replies: every touch goes out once, in order, paced by business days, and the enrollment completes', async () => {
    const tenant = fakeUnipileTenant();
    const enrollmentId = await enrollProspect('jane-silent');
    const providerId = providerIdOf('jane-silent');
    await upToTheInvitation(enrollmentId);

    // Accepted on day 2: the wait of up to 5 business days ends at once.
    await receive(db, acceptance({ accountId: LINKEDIN, providerId, slug: 'jane-silent' }));
    const first = await flow.runStep(enrollmentId);
    expect(first).toMatchObject({ step: 'first_message', delivery: { body: { wokeBy: 'invitation_accepted' } } });
    expect(outputOf(first.run, 'Accepted or Replied?', 1)).toHaveLength(1);

    for (const [step, next, days] of [
      ['followup_1', 'followup_2', 3],
      ['followup_2', 'breakup', 3],
    ] as const) {
      const before = Date.now();
      const run = await flow.advance(enrollmentId);
      expect(run.step).toBe(step);
      const scheduled = outputOf(run.run, step === 'followup_1' ? 'Schedule Follow-Up 2' : 'Schedule Break-Up')![0].json;
      expect(scheduled).toMatchObject({ outcome: 'scheduled', step: next });
      // business days in a calendar open every day, the clock time kept: `days` days later
      expect(Math.abs(Date.parse(String(scheduled.runAt)) - before - days * 86_400_000)).toBeLessThan(3_600_000);
    }
    const breakup = await flow.advance(enrollmentId);
    expect(breakup.step).toBe('breakup');
    expect(breakup.order).toContain('Complete Sequence');

    const sent = await tenant.sent();
    expect(sent.map((s) => s.op)).toEqual(['profile', 'invitation', 'start_chat', 'message', 'message', 'message']);
    expect(sent[0]).toEqual({ op: 'profile', to: 'jane-silent' });
    expect(sent[1]).toEqual({ op: 'invitation', account: LINKEDIN, to: providerId, text: 'Hi Jane, I help sales teams like Acme book more first meetings. Happy to connect!' });
    expect(sent[2]).toMatchObject({ op: 'start_chat', account: LINKEDIN, to: providerId, text: expect.stringMatching(/^Thanks for connecting, Jane!/) });
    // the follow-ups go to the chat the first message opened
    expect(new Set(sent.slice(3).map((s) => s.to)).size).toBe(1);
    expect(sent[5].text).toMatch(/^I'll stop here/);

    expect(await sentSteps(enrollmentId)).toEqual(
      ['invite', 'first_message', 'followup_1', 'followup_2', 'breakup'].map((step) => ({ step, action: step === 'invite' ? 'invitation' : 'message', status: 'sent' })),
    );
    expect(await enrollmentRow(db, enrollmentId)).toMatchObject({ status: 'completed', current_step: 'breakup', next_step: null });
    const dispatched = (await timelineOf(db, enrollmentId)).filter((e) => e.kind === 'dispatched').map((e) => e.step);
    expect(dispatched).toEqual(['visit_profile', 'invite', 'first_message', 'followup_1', 'followup_2', 'breakup']);
  });

  it('a reply after the second touch stops the sequence: no further provider call, and a delivery already on its way stops at the guard', async () => {
    const tenant = fakeUnipileTenant();
    const enrollmentId = await enrollProspect('jane-replies');
    const providerId = providerIdOf('jane-replies');
    await upToTheInvitation(enrollmentId);
    await receive(db, acceptance({ accountId: LINKEDIN, providerId, slug: 'jane-replies' }));
    const first = await flow.runStep(enrollmentId);
    const callsBefore = tenant.calls.length;
    const chatId = (await db.pool.query(`SELECT provider_chat_id FROM ${q(db.schema)}.messages WHERE enrollment_id = $1 AND step = 'first_message'`, [enrollmentId])).rows[0]
      .provider_chat_id as string;

    const reply = await receive(db, chatReply({ accountId: LINKEDIN, ownProviderId: OWN_ID, senderProviderId: providerId, chatId, text: 'Sounds good, send me a few times.' }));
    expect(reply.outcome?.stopped).toEqual([expect.objectContaining({ enrollmentId, reason: 'replied' })]);
    expect(await enrollmentRow(db, enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied', next_step: null });
    expect(await makeDue(db, enrollmentId)).toBe(0); // the follow-up's job was cancelled with the stop

    // The follow-up that was already posted when the reply came in: the Replied? guard stops it.
    const late = { ...first.delivery.body, step: 'followup_1', deliveryId: 'late-followup-1' };
    expect(await flow.post(late)).toBe(200);
    const guarded = await flow.run(await flow.next((b) => b.deliveryId === 'late-followup-1', 'the late delivery'));
    expect(guarded.order).toEqual(['Sequencer Trigger', 'Replied? (Follow-Up 1)', 'Stop: Replied']);
    expect(outputOf(guarded.run, 'Replied? (Follow-Up 1)', 0)![0].json.branch).toMatchObject({ output: 'true' });

    expect(tenant.calls).toHaveLength(callsBefore);
    expect((await sentSteps(enrollmentId)).map((m) => m.step)).toEqual(['invite', 'first_message']);
  });

  it('an invitation never accepted: after the wait the enrollment stops as not connected, with nothing more sent', async () => {
    const tenant = fakeUnipileTenant();
    const enrollmentId = await enrollProspect('jane-ignores');
    await upToTheInvitation(enrollmentId);

    const timeout = await flow.advance(enrollmentId); // five business days pass without an acceptance
    expect(timeout.step).toBe('first_message');
    expect(timeout.delivery.body.wokeBy).toBeUndefined();
    expect(timeout.order).toEqual(['Sequencer Trigger', 'Accepted or Replied?', 'Stop: Not Connected']);

    expect((await tenant.sent()).map((s) => s.op)).toEqual(['profile', 'invitation']);
    expect(await enrollmentRow(db, enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'recipient_unreachable' });
    expect(await makeDue(db, enrollmentId)).toBe(0);
  });

  it('an invitation UniPile refuses leaves by the error output: the enrollment stops as send_failed and nothing more is sent', async () => {
    const tenant = fakeUnipileTenant({ 'POST /users/invite': { status: 422, type: 'errors/already_invited_recently' } });
    const enrollmentId = await enrollProspect('jane-invited-before');
    expect((await flow.runStep(enrollmentId)).step).toBe('visit_profile');
    const invite = await flow.advance(enrollmentId);

    expect(invite.order).toEqual(['Sequencer Trigger', 'Gate: Invitation', 'Send Invitation', 'Provider Limit?', 'Stop: Send Failed']);
    expect(outputOf(invite.run, 'Send Invitation', 1)![0].json.error).toMatch(/already_invited_recently/);
    expect(await enrollmentRow(db, enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'send_failed', next_step: null });
    expect(await sentSteps(enrollmentId)).toEqual([{ step: 'invite', action: 'invitation', status: 'failed' }]);
    expect((await tenant.sent()).map((s) => s.op)).toEqual(['profile', 'invitation']);
  });
});
