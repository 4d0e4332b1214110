import { randomUUID } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IDataObject, ILoadOptionsFunctions, INodeExecutionData, INodeParameters, IWorkflowBase } from 'n8n-workflow';
import { upsertContacts } from '../../runtime/contacts/upsert';
import { q } from '../../runtime/db/identifier';
import { UnipileSend } from '../../nodes/UnipileSend/UnipileSend.node';
import { closeAllConnections } from '../../nodes/shared/database';
import { openTestDb, type TestDb } from '../support/db';
import { PACKAGE_NAME, databaseCredential, outputOf, runError, runWorkflow } from '../support/n8n';
import { API_KEY, DSN, accountList, fakeUnipile, fieldsOf, formOf, linkedinProfile, sendResponses } from '../support/unipile';

let db: TestDb;
const ACCOUNT = 'acc-linkedin';

beforeAll(async () => {
  db = await openTestDb();
  await db.pool.query(`INSERT INTO ${q(db.schema)}.accounts (id, provider) VALUES ($1, 'LINKEDIN'), ('acc-mail', 'GOOGLE_OAUTH')`, [ACCOUNT]);
});
afterAll(async () => {
  await closeAllConnections();
  await db.close();
});

const credentials = (unipile: IDataObject = {}): Record<string, ICredentialDataDecryptedObject> => ({
  unipileApi: { dsn: DSN, apiKey: API_KEY, dryRun: false, ...unipile },
  sequencerDatabase: databaseCredential(db.url, db.schema),
});

function workflow(parameters: INodeParameters, settings: { onError?: 'continueRegularOutput' } = {}): Pick<IWorkflowBase, 'nodes' | 'connections'> {
  return {
    nodes: [
      {
        id: 'send',
        name: 'UniPile Send',
        type: `${PACKAGE_NAME}.unipileSend`,
        typeVersion: 1,
        position: [0, 0],
        parameters,
        credentials: { unipileApi: { id: '1', name: 'UniPile' }, sequencerDatabase: { id: '2', name: 'Sequencer' } },
        ...settings,
      },
    ],
    connections: {},
  };
}

async function run(parameters: INodeParameters, inputItems: INodeExecutionData[], options: { onError?: 'continueRegularOutput'; unipile?: IDataObject } = {}) {
  const { run } = await runWorkflow({
    workflowJson: workflow(parameters, options.onError ? { onError: options.onError } : {}),
    startNodeName: 'UniPile Send',
    inputItems,
    credentials: credentials(options.unipile),
  });
  return run;
}

/** A `sequence.step` item as the Sequencer Trigger emits it (DESIGN §4). */
async function dispatchedItem(identities: Array<{ kind: 'linkedin' | 'linkedin_public' | 'email'; value: string }>, options: { doNotContact?: boolean } = {}): Promise<INodeExecutionData> {
  const [{ contactId }] = await upsertContacts(db.pool, db.schema, [{ firstName: 'Jane', lastName: 'Prospect', identities }]);
  if (options.doNotContact) await db.pool.query(`UPDATE ${q(db.schema)}.contacts SET do_not_contact = true WHERE id = $1`, [contactId]);
  const { rows } = await db.pool.query<{ id: string }>(
    `WITH s AS (INSERT INTO ${q(db.schema)}.sequences (key, name) VALUES ($1, 'Outreach') RETURNING id)
     INSERT INTO ${q(db.schema)}.enrollments (sequence_id, contact_id, account_id, current_step) SELECT s.id, $2, $3, 'invite' FROM s RETURNING id`,
    [`seq-${randomUUID()}`, contactId, ACCOUNT],
  );
  return {
    json: {
      event: 'sequence.step',
      deliveryId: randomUUID(),
      enrollment: { id: rows[0].id, status: 'active', step: 'invite' },
      sequence: { key: 'outreach' },
      step: 'invite',
      attempt: 1,
      contact: { id: contactId, firstName: 'Jane', lastName: 'Prospect', identities, linkedinProviderId: identities.find((i) => i.kind === 'linkedin')?.value ?? null },
      account: { id: ACCOUNT, provider: 'LINKEDIN' },
      vars: {},
    },
  };
}

const invitation = { resource: 'invitation', operation: 'send', note: 'Hi {{ $json.contact.firstName }}, glad to connect.' };

describe('UniPile Send node', () => {
  it('invites dispatched contacts once per enrollment step, paired with their items', async () => {
    const items = [await dispatchedItem([{ kind: 'linkedin', value: 'ACoAANode000000001' }]), await dispatchedItem([{ kind: 'linkedin', value: 'ACoAANode000000002' }], { doNotContact: true })];
    const invite = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });

    const first = await run({ ...invitation, note: '=Hi {{ $json.contact.firstName }}, glad to connect.' }, items);
    expect(runError(first)).toBeUndefined();
    const out = outputOf(first, 'UniPile Send')!;
    expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
    expect(out[0].json).toMatchObject({
      status: 'sent',
      duplicate: false,
      dryRun: false,
      skipped: false,
      idempotencyKey: `${(items[0].json.enrollment as IDataObject).id}:invite`,
      enrollmentId: (items[0].json.enrollment as IDataObject).id,
      step: 'invite',
      action: 'invitation',
      invitationId: '7221821214065876992',
    });
    expect(out[1].json).toMatchObject({ status: 'skipped', skipped: true, reason: 'do_not_contact' });
    expect(invite.requests.map((r) => r.body)).toEqual([{ provider_id: 'ACoAANode000000001', account_id: ACCOUNT, message: 'Hi Jane, glad to connect.' }]);

    // The same dispatch delivered again (a retried delivery, a re-run) sends nothing.
    const again = await run({ ...invitation, note: '=Hi {{ $json.contact.firstName }}, glad to connect.' }, items);
    expect(outputOf(again, 'UniPile Send')![0].json).toMatchObject({ status: 'sent', duplicate: true });
    expect(invite.requests).toHaveLength(1);
  });

  it('with continue on fail, outputs failed items with their reason and still sends the others', async () => {
    const ok = await dispatchedItem([{ kind: 'linkedin', value: 'ACoAANode000000003' }]);
    const noLinkedin = await dispatchedItem([{ kind: 'email', value: 'no-linkedin@acme.com' }]);
    const invite = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const result = await run(invitation, [noLinkedin, ok], { onError: 'continueRegularOutput' });
    expect(result.status).toBe('success');
    const out = outputOf(result, 'UniPile Send')!;
    expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
    expect(out[0].json).toMatchObject({ reason: 'missing_identity', error: expect.stringMatching(/^missing_identity: contact .* has no LinkedIn provider id/) });
    expect(out[1].json).toMatchObject({ status: 'sent' });
    expect(invite.requests).toHaveLength(1);
  });

  it('without continue on fail, stops with an error that names the reason and the item', async () => {
    const noLinkedin = await dispatchedItem([{ kind: 'email', value: 'no-linkedin-2@acme.com' }]);
    const result = await run(invitation, [noLinkedin]);
    expect(result.status).toBe('error');
    expect(runError(result)?.message).toMatch(/missing_identity/);
    expect((runError(result) as { description?: string }).description).toMatch(/Profile → Get/);
  });

  it('turns a UniPile refusal into an API error, or an item with its class under continue on fail', async () => {
    const item = await dispatchedItem([{ kind: 'linkedin', value: 'ACoAANode000000004' }]);
    fakeUnipile('POST', '/users/invite', { status: 422, body: { status: 422, type: 'errors/already_invited_recently', title: 'Already invited recently' } });
    const result = await run(invitation, [item], { onError: 'continueRegularOutput' });
    expect(outputOf(result, 'UniPile Send')![0].json).toMatchObject({
      status: 'failed',
      errorClass: 'recipient_permanent',
      errorType: 'errors/already_invited_recently',
      httpStatus: 422,
      error: expect.stringMatching(/already_invited_recently/),
    });

    fakeUnipile('POST', '/users/invite', { status: 401, body: { status: 401, type: 'errors/disconnected_account' } });
    const other = await dispatchedItem([{ kind: 'linkedin', value: 'ACoAANode000000005' }]);
    const failed = await run(invitation, [other]);
    expect(failed.status).toBe('error');
    expect((runError(failed) as { description?: string }).description).toMatch(/Reconnect the account/);
  });

  it('requires an idempotency key for items that do not come from a dispatch', async () => {
    const result = await run({ ...invitation, profile: 'https://www.linkedin.com/in/ACoAANode000000006' }, [{ json: { name: 'x' } }], { onError: 'continueRegularOutput' });
    expect(outputOf(result, 'UniPile Send')![0].json).toMatchObject({ reason: 'invalid_input', error: expect.stringMatching(/account is empty/) });
    const withAccount = await run({ ...invitation, accountId: ACCOUNT, profile: 'https://www.linkedin.com/in/ACoAANode000000006' }, [{ json: {} }], { onError: 'continueRegularOutput' });
    expect(outputOf(withAccount, 'UniPile Send')![0].json).toMatchObject({ reason: 'invalid_input', error: expect.stringMatching(/idempotency key is empty/) });
  });

  it('refuses an invitation note over 300 characters before any call', async () => {
    const item = await dispatchedItem([{ kind: 'linkedin', value: 'ACoAANode000000007' }]);
    const invite = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const result = await run({ ...invitation, note: 'x'.repeat(301) }, [item]);
    expect(runError(result)?.message).toMatch(/301 characters, LinkedIn allows at most 300/);
    expect(invite.requests).toHaveLength(0);
  });

  it('lists the accounts the credential sees for an unknown account', async () => {
    fakeUnipile('GET', '/accounts', { status: 200, body: accountList([{ id: ACCOUNT, type: 'LINKEDIN' }, { id: 'acc-wa', type: 'WHATSAPP' }]) });
    const result = await run({ ...invitation, accountId: 'acc-nope', idempotencyKey: 'k-unknown-account', profile: 'ACoAANode000000008' }, [{ json: {} }]);
    expect(runError(result)?.message).toMatch(/unknown_account: account "acc-nope" .* it sees acc-linkedin, acc-wa/);
  });

  it('sends an email to a typed-in address with tracking and options', async () => {
    const emails = fakeUnipile('POST', '/emails', { status: 200, body: sendResponses.emailSent });
    const result = await run(
      {
        resource: 'email',
        operation: 'send',
        accountId: 'acc-mail',
        to: '={{ $json.email }}',
        subject: 'Hello',
        body: '<p>Hi {{ $json.name }}</p>',
        trackClicks: false,
        idempotencyKey: '={{ "welcome:" + $json.email }}',
        options: { cc: 'boss@acme.com', toName: '={{ $json.name }}', trackingLabel: 'welcome' },
      },
      [{ json: { email: 'New.Lead@Acme.com', name: 'Nia Lead' } }],
    );
    expect(runError(result)).toBeUndefined();
    expect(outputOf(result, 'UniPile Send')![0].json).toMatchObject({ status: 'sent', idempotencyKey: 'welcome:New.Lead@Acme.com', trackingId: sendResponses.emailSent.tracking_id, channel: 'email' });
    expect(await fieldsOf(await formOf(emails.requests[0]))).toEqual([
      ['account_id', 'acc-mail'],
      ['subject', 'Hello'],
      ['body', '<p>Hi {{ $json.name }}</p>'],
      ['to', JSON.stringify([{ display_name: 'Nia Lead', identifier: 'new.lead@acme.com' }])],
      ['cc', JSON.stringify([{ identifier: 'boss@acme.com' }])],
      ['tracking_options', JSON.stringify({ opens: true, links: false, label: 'welcome' })],
    ]);
  });

  it('dry-runs from the node option or the credential with zero HTTP calls', async () => {
    const item = await dispatchedItem([{ kind: 'linkedin', value: 'ACoAANode000000009' }]);
    const byOption = await run({ resource: 'message', operation: 'startChat', text: 'Hi', options: { dryRun: true } }, [item]);
    expect(outputOf(byOption, 'UniPile Send')![0].json).toMatchObject({ status: 'dry_run', dryRun: true, duplicate: false });
    const other = await dispatchedItem([{ kind: 'linkedin', value: 'ACoAANode000000010' }]);
    const byCredential = await run({ resource: 'message', operation: 'startChat', text: 'Hi' }, [other], { unipile: { dryRun: true } });
    expect(outputOf(byCredential, 'UniPile Send')![0].json).toMatchObject({ status: 'dry_run', dryRun: true });
    const { rows } = await db.pool.query(`SELECT status FROM ${q(db.schema)}.messages WHERE enrollment_id = ANY($1::uuid[])`, [
      [(item.json.enrollment as IDataObject).id, (other.json.enrollment as IDataObject).id],
    ]);
    expect(rows).toEqual([{ status: 'dry_run' }, { status: 'dry_run' }]);
    // network.ts refuses anything unmocked: a call would have failed the item instead
  });

  it('gets a profile from a URL and stores its ids on the dispatched contact', async () => {
    const item = await dispatchedItem([{ kind: 'email', value: 'profile-node@acme.com' }]);
    fakeUnipile('GET', '/users/jane-node', { status: 200, body: linkedinProfile('ACoAANodeProfile001', 'jane-node') });
    const result = await run({ resource: 'profile', operation: 'get', profile: 'https://www.linkedin.com/in/jane-node/' }, [item]);
    const json = outputOf(result, 'UniPile Send')![0].json;
    expect(json).toMatchObject({ providerId: 'ACoAANodeProfile001', publicIdentifier: 'jane-node', contactId: (item.json.contact as IDataObject).id, headline: 'VP Sales' });
    const { rows } = await db.pool.query(`SELECT kind FROM ${q(db.schema)}.contact_identities WHERE contact_id = $1 ORDER BY kind`, [json.contactId]);
    expect(rows.map((r) => r.kind)).toEqual(['email', 'linkedin', 'linkedin_public']);
  });

  it('loads the account picker from UniPile', async () => {
    fakeUnipile('GET', '/accounts', { status: 200, body: accountList([{ id: 'b-1', type: 'WHATSAPP', name: 'Support' }, { id: 'a-1', type: 'LINKEDIN', name: 'Ada' }]) });
    const context = { getCredentials: async () => ({ dsn: DSN, apiKey: API_KEY }) } as unknown as ILoadOptionsFunctions;
    const options = await new UnipileSend().methods.loadOptions.getAccounts.call(context);
    expect(options).toEqual([
      { name: 'Ada (LINKEDIN)', value: 'a-1', description: 'a-1' },
      { name: 'Support (WHATSAPP)', value: 'b-1', description: 'b-1' },
    ]);
  });
});
