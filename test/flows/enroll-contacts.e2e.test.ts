import { closeAllConnections } from '../../nodes/shared/database';
import { markDoNotContact } from '../../runtime/contacts/contacts';
import { upsertContacts } from '../../runtime/contacts/upsert';
import { q } from '../../runtime/db/identifier';
import { withTransaction } from '../../runtime/db/pool';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, timelineOf } from '../support/engine';
import { assertSucceeded, fakeUnipileTenant, flowCredentials, FlowDriver, loadTemplate, postToWebhookFlow, seedAccount } from '../support/flows';
import { outputOf } from '../support/n8n';

/**
 * flows/enroll-contacts.json, run end to end: a list of contacts POSTed to its webhook becomes one
 * enrollment per contact, with the outcome of each in the answer — and, as the README walkthrough
 * does, a contact enrolled this way moves through the LinkedIn template in dry-run mode.
 */
let db: TestDb;
let linkedin: FlowDriver;
const template = loadTemplate('enroll-contacts');
const LINKEDIN = 'acc_linkedin_enroll';

beforeAll(async () => {
  db = await openTestDb();
  await seedAccount(db, { id: LINKEDIN, provider: 'LINKEDIN', ownProviderId: 'ACoAAOwnEnrollMember1' });
  linkedin = await FlowDriver.start(db, 'linkedin-invite-followup', { dryRun: true });
  await linkedin.createSequence();
});
afterAll(async () => {
  await linkedin.close();
  await closeAllConnections();
  await db.close();
});

const answerOf = (run: Awaited<ReturnType<typeof postToWebhookFlow>>) => outputOf(run.run, 'Enroll in Sequence')!.map((i) => i.json);

describe('Enroll contacts', () => {
  it('enrolls each contact of the list and answers with the outcome per contact, in order', async () => {
    const [optedOut] = await upsertContacts(db.pool, db.schema, [{ identities: [{ kind: 'email', value: 'gone@acme.io' }] }]);
    await withTransaction(db.pool, (tx) => markDoNotContact(db, tx, [optedOut.contactId], 'unsubscribed'));

    const run = await postToWebhookFlow(
      template,
      {
        sequenceKey: 'linkedin-invite-followup',
        accountId: LINKEDIN,
        contacts: [
          { firstName: 'Jane', company: 'Acme', email: 'jane@acme.io', linkedinUrl: 'https://www.linkedin.com/in/jane-doe/', vars: { offer: 'audit' } },
          { email: 'JANE@acme.io' },
          { firstName: 'No Identity' },
          { email: 'gone@acme.io' },
        ],
      },
      flowCredentials(db),
    );
    assertSucceeded(run);
    expect(run.order).toEqual(['Enroll Webhook', 'One Item per Contact', 'Enroll in Sequence']);

    const answer = answerOf(run);
    expect(answer.map((a) => a.outcome)).toEqual(['enrolled', 'already_enrolled', 'invalid', 'skipped_do_not_contact']);
    expect(answer[0]).toMatchObject({ sequenceKey: 'linkedin-invite-followup', enrollmentId: expect.any(String), runAt: expect.any(String) });
    expect(answer[1].enrollmentId).toBe(answer[0].enrollmentId);
    expect(answer[2].details).toEqual([{ field: 'contacts.2.email', message: expect.stringMatching(/needs at least one of email/) }]);

    const { rows } = await db.pool.query(`SELECT account_id, vars, next_step FROM ${q(db.schema)}.enrollments WHERE id = $1`, [answer[0].enrollmentId]);
    expect(rows[0]).toEqual({ account_id: LINKEDIN, vars: { offer: 'audit' }, next_step: 'visit_profile' });
  });

  it('the walkthrough in dry run: an enrolled contact moves through the LinkedIn template and nothing reaches UniPile', async () => {
    const tenant = fakeUnipileTenant();
    const run = await postToWebhookFlow(
      template,
      { sequenceKey: 'linkedin-invite-followup', accountId: LINKEDIN, contacts: [{ firstName: 'Dry', linkedinPublicId: 'dry-run-dana' }] },
      flowCredentials(db),
    );
    const [{ enrollmentId }] = answerOf(run) as Array<{ enrollmentId: string }>;

    expect((await linkedin.runStep(enrollmentId)).step).toBe('visit_profile');
    const invite = await linkedin.advance(enrollmentId);
    expect(outputOf(invite.run, 'Send Invitation')![0].json).toMatchObject({ status: 'dry_run', dryRun: true, step: 'invite' });
    const timeout = await linkedin.advance(enrollmentId);
    expect(timeout.order).toContain('Stop: Not Connected');

    expect(tenant.calls).toEqual([]);
    const { rows } = await db.pool.query(`SELECT step, status FROM ${q(db.schema)}.messages WHERE enrollment_id = $1`, [enrollmentId]);
    expect(rows).toEqual([{ step: 'invite', status: 'dry_run' }]);
    expect((await timelineOf(db, enrollmentId)).filter((e) => e.kind === 'dispatched').map((e) => e.step)).toEqual(['visit_profile', 'invite', 'first_message']);
    expect(await enrollmentRow(db, enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'recipient_unreachable' });
  });
});
