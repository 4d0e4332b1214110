import { closeAllConnections } from '../../nodes/shared/database';
import { q } from '../../runtime/db/identifier';
import { enroll } from '../../runtime/sequences/enroll';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, makeDue } from '../support/engine';
import { formOf } from '../support/unipile';
import { acceptance, emailEcho, emailReply, emailTracking, fakeUnipileTenant, FlowDriver, providerIdOf, receive, seedAccount, UNPACED_LIMITS } from '../support/flows';

/**
 * flows/multichannel-email-linkedin.json, run end to end: a tracked email, a LinkedIn invitation for
 * those who did not open it, a LinkedIn message once accepted, and an email follow-up chosen by what
 * the first email got (clicked, opened, not opened). A reply on any channel stops everything.
 */
let db: TestDb;
let flow: FlowDriver;
let sequenceKey: string;
const MAIL = 'acc_mail_flow';
const LINKEDIN = 'acc_linkedin_multi';
const SUBJECT = 'Acme and reply tracking';

beforeAll(async () => {
  db = await openTestDb();
  await seedAccount(db, { id: MAIL, provider: 'GOOGLE_OAUTH', limits: UNPACED_LIMITS });
  await seedAccount(db, { id: LINKEDIN, provider: 'LINKEDIN', ownProviderId: 'ACoAAOwnMultiMember01', limits: UNPACED_LIMITS });
  flow = await FlowDriver.start(db, 'multichannel-email-linkedin');
  sequenceKey = await flow.createSequence();
});
afterAll(async () => {
  await flow.close();
  await closeAllConnections();
  await db.close();
});

interface Prospect {
  enrollmentId: string;
  email: string;
  slug: string;
}

/** Enrolled on the email account, with the LinkedIn account in vars; email_1 goes out and UniPile echoes it. */
async function emailedProspect(name: string): Promise<Prospect & { trackingId: string }> {
  const email = `${name}@acme.io`;
  const slug = `${name}-acme`;
  const [result] = await enroll(db, {
    sequenceKey,
    accountId: MAIL,
    vars: { linkedinAccountId: LINKEDIN },
    contacts: [{ email, linkedinPublicId: slug, firstName: 'Jane', company: 'Acme' }],
  });
  const enrollmentId = result.enrollmentId!;
  expect((await flow.runStep(enrollmentId)).step).toBe('email_1');
  const { rows } = await db.pool.query(`SELECT tracking_id FROM ${q(db.schema)}.messages WHERE enrollment_id = $1 AND step = 'email_1'`, [enrollmentId]);
  await receive(db, emailEcho({ accountId: MAIL, trackingId: rows[0].tracking_id, to: email, subject: SUBJECT }));
  return { enrollmentId, email, slug, trackingId: rows[0].tracking_id };
}

async function emailIdOf(enrollmentId: string, step: string): Promise<string> {
  const { rows } = await db.pool.query(`SELECT provider_message_id FROM ${q(db.schema)}.messages WHERE enrollment_id = $1 AND step = $2`, [enrollmentId, step]);
  return rows[0].provider_message_id;
}

describe('Email + LinkedIn multichannel', () => {
  it('nobody replies: email, invitation for a non-opener, LinkedIn message once accepted, then the "opened" follow-up in thread', async () => {
    const tenant = fakeUnipileTenant();
    const p = await emailedProspect('nora');
    const linkedinStep = await flow.advance(p.enrollmentId);
    expect(linkedinStep.order).toEqual(['Sequencer Trigger', 'Opened, Replied or No LinkedIn?', 'Gate: Invitation', 'Send Invitation', 'Wait for Acceptance']);

    await receive(db, acceptance({ accountId: LINKEDIN, providerId: providerIdOf(p.slug), slug: p.slug }));
    const message = await flow.runStep(p.enrollmentId);
    expect(message).toMatchObject({ step: 'linkedin_message', delivery: { body: { wokeBy: 'invitation_accepted' } } });

    await receive(db, emailTracking({ accountId: MAIL, trackingId: p.trackingId })); // she opens the first email later
    const followUp = await flow.advance(p.enrollmentId);
    expect(followUp.order).toEqual(['Sequencer Trigger', 'Replied? (Email 2)', 'Gate: Email 2', 'Clicked or Opened?', 'Send Email 2 (Opened)', 'Complete Sequence']);

    const sent = await tenant.sent();
    expect(sent.map((s) => [s.op, s.account])).toEqual([
      ['email', MAIL],
      ['profile', undefined], // the slug is resolved to the member id just before inviting
      ['invitation', LINKEDIN],
      ['start_chat', LINKEDIN],
      ['email', MAIL],
    ]);
    expect(sent[0]).toMatchObject({ to: p.email, subject: SUBJECT, text: expect.stringContaining('href="https://example.com/demo"') });
    expect(sent[2].to).toBe(providerIdOf(p.slug));
    expect(sent[4]).toMatchObject({ to: p.email, subject: `Re: ${SUBJECT}`, text: expect.stringContaining('a quick follow-up on my note') });
    // in the thread of the first email, whose UniPile id came with the mail_sent echo
    expect((await formOf(tenant.calls[tenant.calls.length - 1])).get('reply_to')).toBe(await emailIdOf(p.enrollmentId, 'email_1'));
    expect(await enrollmentRow(db, p.enrollmentId)).toMatchObject({ status: 'completed' });
  });

  it('a reply after the second touch, by email, stops the LinkedIn steps too: nothing more is sent', async () => {
    const tenant = fakeUnipileTenant();
    const p = await emailedProspect('rita');
    await flow.advance(p.enrollmentId); // the invitation: the second touch
    const callsBefore = tenant.calls.length;

    const reply = await receive(db, emailReply({ accountId: MAIL, from: p.email, subject: `Re: ${SUBJECT}`, text: 'Interested, can you call me tomorrow?' }));
    expect(reply.outcome?.stopped).toEqual([expect.objectContaining({ enrollmentId: p.enrollmentId, reason: 'replied' })]);
    // the acceptance that follows wakes nothing: the enrollment is stopped
    await receive(db, acceptance({ accountId: LINKEDIN, providerId: providerIdOf(p.slug), slug: p.slug }));

    expect(await makeDue(db, p.enrollmentId)).toBe(0);
    expect(await enrollmentRow(db, p.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied', next_step: null });
    expect(tenant.calls).toHaveLength(callsBefore);
    expect((await tenant.sent()).map((s) => s.op)).toEqual(['email', 'profile', 'invitation']);
  });

  it('an invitation never accepted: after the wait the email follow-up goes out as a new thread to a non-opener', async () => {
    const tenant = fakeUnipileTenant();
    const p = await emailedProspect('ines');
    await flow.advance(p.enrollmentId); // invitation
    const timeout = await flow.advance(p.enrollmentId); // four business days pass without an acceptance
    expect(timeout.step).toBe('linkedin_message');
    expect(timeout.order).toEqual(['Sequencer Trigger', 'Accepted or Replied?', 'Schedule Email 2 (Not Connected)']);
    const followUp = await flow.advance(p.enrollmentId);
    expect(followUp.order).toContain('Send Email 2 (New Angle)');

    const sent = await tenant.sent();
    expect(sent.map((s) => s.op)).toEqual(['email', 'profile', 'invitation', 'email']);
    expect(sent[3]).toMatchObject({ to: p.email, subject: 'Fewer missed replies at Acme' });
    expect(await enrollmentRow(db, p.enrollmentId)).toMatchObject({ status: 'completed' });
  });

  it('a click skips LinkedIn altogether and picks the "clicked" follow-up', async () => {
    const tenant = fakeUnipileTenant();
    const p = await emailedProspect('cleo');
    await receive(db, emailTracking({ accountId: MAIL, trackingId: p.trackingId, clickedUrl: 'https://example.com/demo' }));
    const linkedinStep = await flow.advance(p.enrollmentId);
    expect(linkedinStep.order).toEqual(['Sequencer Trigger', 'Opened, Replied or No LinkedIn?', 'Schedule Email 2 (Skip LinkedIn)']);
    const followUp = await flow.advance(p.enrollmentId);
    expect(followUp.order).toContain('Send Email 2 (Clicked)');

    const sent = await tenant.sent();
    expect(sent.map((s) => s.op)).toEqual(['email', 'email']);
    expect(sent[1].text).toContain('glad the demo caught your eye');
    expect(await enrollmentRow(db, p.enrollmentId)).toMatchObject({ status: 'completed' });
  });
});
