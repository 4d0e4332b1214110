import type { INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { closeAllConnections } from '../../nodes/shared/database';
import { openTestDb, type TestDb } from '../support/db';
import { countRows, enroll, enrollmentOf, ensureSequence, fixture, jobStatesOf, uniqueId } from '../support/inbox';
import { databaseCredential, outputOf, PACKAGE_NAME, runError, runWorkflow } from '../support/n8n';

let db: TestDb;
beforeAll(async () => (db = await openTestDb()));
afterAll(async () => {
  await closeAllConnections();
  await db.close();
});

function inboxNode(parameters: INodeParameters, extra: Partial<INode> = {}): INode {
  return {
    id: 'inbox',
    name: 'Inbox Upsert',
    type: `${PACKAGE_NAME}.inboxUpsert`,
    typeVersion: 1,
    position: [0, 0],
    parameters,
    credentials: { sequencerDatabase: { id: '1', name: 'db' } },
    ...extra,
  };
}

async function run(parameters: INodeParameters, inputItems: INodeExecutionData[], extra: Partial<INode> = {}) {
  const { run } = await runWorkflow({
    workflowJson: { nodes: [inboxNode(parameters, extra)], connections: {} },
    credentials: { sequencerDatabase: databaseCredential(db.url, db.schema) },
    inputItems,
    startNodeName: 'Inbox Upsert',
  });
  return run;
}

/** What an n8n Webhook node emits for a UniPile delivery. */
const webhookItem = (body: Record<string, unknown>): INodeExecutionData => ({ json: { headers: { 'x-webhook-secret': 's' }, params: {}, query: {}, body } as never });

describe('Inbox Upsert', () => {
  it('ingests a batch of webhook items in one go: a reply stops the sequence, an echo does not, an unknown event is ignored', async () => {
    const accountId = uniqueId('li');
    const prospect = `ACoAA${uniqueId('P')}`;
    const chatId = uniqueId('chat');
    const seq = await ensureSequence(db, 'node-reply');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: prospect }], accountId });
    const sender = { attendee_id: 'a', attendee_provider_id: prospect, attendee_name: 'Jane Prospect' };
    const now = new Date().toISOString();
    const earlier = new Date(Date.now() - 60_000).toISOString();
    const items = [
      webhookItem(fixture('message_received', { account_id: accountId, chat_id: chatId, message_id: uniqueId('in'), timestamp: now, sender, attendees: [sender] })),
      webhookItem(fixture('message_received.own_echo', { account_id: accountId, chat_id: chatId, message_id: uniqueId('out'), timestamp: earlier, attendees: [sender] })),
      webhookItem(fixture('message_edited', { account_id: accountId })),
    ];

    const first = await run({ input: 'webhookBody', bodyField: '' }, items);
    expect(first.status).toBe('success');
    const out = outputOf(first, 'Inbox Upsert')!;
    expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
    expect(out[0].json).toMatchObject({
      status: 'processed',
      isNew: true,
      direction: 'in',
      isReply: true,
      contact: { id: e.contactId, fullName: 'Jane Prospect' },
      conversation: { providerChatId: chatId, unreadCount: 1 },
      message: { direction: 'in', text: 'Thanks, happy to chat next week.' },
      stoppedEnrollments: [{ enrollmentId: e.enrollmentId, reason: 'replied' }],
    });
    expect(out[1].json).toMatchObject({ status: 'processed', isNew: true, direction: 'out', isReply: false, contact: { id: e.contactId }, stoppedEnrollments: [] });
    expect(out[2].json).toMatchObject({ status: 'ignored', event: 'message_edited', isNew: false });
    expect(await enrollmentOf(db, e.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'replied' });
    expect(await jobStatesOf(db, e.enrollmentId)).toEqual(['cancelled']);

    // The same items again: nothing is new and nothing moves.
    const again = outputOf(await run({ input: 'webhookBody', bodyField: '' }, items), 'Inbox Upsert')!;
    expect(again.map((o) => o.json.isNew)).toEqual([false, false, false]);
    expect(again[0].json.stoppedEnrollments).toEqual([]);
    expect(await countRows(db, 'messages', 'provider_chat_id = $1', [chatId])).toBe(2);
  });

  it('reads the body from a field path, and wakes an enrollment on new_relation', async () => {
    const accountId = uniqueId('li');
    const prospect = `ACoAA${uniqueId('P')}`;
    const seq = await ensureSequence(db, 'node-accept');
    const e = await enroll(db, { sequenceId: seq, identities: [{ kind: 'linkedin', value: prospect }], accountId, step: 'first_message', wakeOn: ['invitation_accepted'] });
    const out = outputOf(
      await run({ input: 'webhookBody', bodyField: 'data.payload' }, [{ json: { data: { payload: fixture('new_relation', { account_id: accountId, user_provider_id: prospect, user_public_identifier: uniqueId('j') }) } } as never }]),
      'Inbox Upsert',
    )!;
    expect(out[0].json).toMatchObject({ isNew: true, engagement: { kind: 'invitation_accepted' }, wokenEnrollments: [{ enrollmentId: e.enrollmentId, step: 'first_message' }] });
  });

  it('takes mapped fields: an inbound email creates the contact and the conversation', async () => {
    const email = `${uniqueId('ann')}@initech.com`;
    const out = outputOf(
      await run(
        {
          input: 'fields',
          accountId: uniqueId('mail'),
          channel: 'email',
          chatId: uniqueId('thread'),
          messageId: uniqueId('mail'),
          direction: 'in',
          contactIdentifier: email.toUpperCase(),
          contactName: 'Ann Initech',
          text: 'Not now, maybe next quarter',
          subject: 'Re: hello',
        },
        [{ json: {} }],
      ),
      'Inbox Upsert',
    )!;
    expect(out[0].json).toMatchObject({ isNew: true, direction: 'in', contact: { created: true, fullName: 'Ann Initech', companyDomain: 'initech.com' }, conversation: { channel: 'email', unreadCount: 1 } });
    expect(await countRows(db, 'contact_identities', `kind = 'email' AND value = $1`, [email])).toBe(1);
  });

  it('maps fields per item from expressions, next to fixed ones', async () => {
    const accountId = uniqueId('mail');
    const senders = [`${uniqueId('bea')}@globex.com`, `${uniqueId('cid')}@umbrella.com`];
    const out = outputOf(
      await run(
        {
          input: 'fields',
          accountId,
          channel: 'email',
          direction: 'in',
          chatId: '={{ $json.thread }}',
          messageId: '={{ $json.id }}',
          contactIdentifier: '={{ $json.from }}',
          text: '={{ $json.text }}',
        },
        senders.map((from, i) => ({ json: { thread: uniqueId('thread'), id: uniqueId('mail'), from, text: `Message ${i}` } })),
      ),
      'Inbox Upsert',
    )!;
    expect(out.map((o) => o.json)).toEqual([
      expect.objectContaining({ isNew: true, contact: expect.objectContaining({ companyDomain: 'globex.com' }) }),
      expect.objectContaining({ isNew: true, contact: expect.objectContaining({ companyDomain: 'umbrella.com' }) }),
    ]);
    expect(await countRows(db, 'messages', 'account_id = $1', [accountId])).toBe(2);
  });

  it('fails an unreadable item with a message naming the field, or outputs it with the error when continuing on fail', async () => {
    const good = webhookItem(fixture('message_received', { account_id: uniqueId('li'), message_id: uniqueId('in'), timestamp: new Date().toISOString() }));
    const bad = webhookItem(fixture('message_received', { account_id: uniqueId('li'), chat_id: undefined }));
    const failed = await run({ input: 'webhookBody' }, [good, bad]);
    expect(failed.status).toBe('error');
    expect(runError(failed)?.message).toMatch(/chat_id/);

    const continued = await run({ input: 'webhookBody' }, [good, bad], { onError: 'continueRegularOutput' });
    const out = outputOf(continued, 'Inbox Upsert')!;
    expect(out[0].json).toMatchObject({ status: 'processed' });
    expect(out[1].json.error).toMatch(/invalid message_received payload: chat_id/);
    expect(out[1].pairedItem).toEqual({ item: 1 });
  });
});
