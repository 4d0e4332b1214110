import { DateTime } from 'luxon';
import nock from 'nock';
import { type INode, type INodeExecutionData, type INodeParameters, NodeHelpers, Workflow } from 'n8n-workflow';
import { closeAllConnections } from '../../nodes/shared/database';
import { openTestDb, type TestDb } from '../support/db';
import { enroll, enrollmentOf, ensureSequence } from '../support/inbox';
import { databaseCredential, outputOf, PACKAGE_NAME, packageNodeTypes, runError, runWorkflow, TestNodeTypes } from '../support/n8n';

/**
 * AI Classify in the n8n-core harness: inbox events in, one output per category out, results and
 * their effects (do-not-contact, stopped or paused sequences) in the database, the model mocked at
 * the HTTP layer.
 */
let db: TestDb;
let sequenceId: string;
const ACCOUNT = 'acct_classify';
const sql = (text: string, values: unknown[] = []) => db.pool.query(text.replaceAll('$schema', `"${db.schema}"`), values);

beforeAll(async () => {
  db = await openTestDb();
  sequenceId = await ensureSequence(db, 'outreach');
});
afterAll(async () => {
  await closeAllConnections();
  await db.close();
});

interface Person {
  contactId: string;
  enrollmentId: string;
}

let chats = 0;
/** A person in the sequence who just replied `text`, and the message.received event the trigger emits for it. */
async function replied(name: string, text: string): Promise<Person & { item: INodeExecutionData; messageId: string }> {
  const { contactId, enrollmentId } = await enroll(db, { sequenceId, identities: [{ kind: 'email', value: `${name}@acme.io` }], accountId: ACCOUNT });
  chats++;
  const conv = await sql(`INSERT INTO $schema.conversations (account_id, provider_chat_id, contact_id, channel) VALUES ($1, $2, $3, 'EMAIL') RETURNING id`, [
    ACCOUNT,
    `chat-${chats}`,
    contactId,
  ]);
  const sentAt = new Date();
  const msg = await sql(
    `INSERT INTO $schema.messages (account_id, conversation_id, contact_id, provider_message_id, direction, text, status, sent_at, channel)
     VALUES ($1, $2, $3, $4, 'in', $5, 'received', $6, 'EMAIL') RETURNING id`,
    [ACCOUNT, conv.rows[0].id, contactId, `um-${chats}`, text, sentAt],
  );
  const item = {
    json: {
      event: 'message.received',
      deliveryId: `d-${chats}`,
      account: { id: ACCOUNT, provider: 'MAIL' },
      contact: { id: contactId, fullName: name },
      conversation: { id: conv.rows[0].id, channel: 'EMAIL' },
      message: { id: msg.rows[0].id, providerMessageId: `um-${chats}`, direction: 'in', text, subject: 'Re: Quick question', sentAt: sentAt.toISOString() },
      who: name,
    },
  };
  return { contactId, enrollmentId, item, messageId: msg.rows[0].id };
}

/** The model: answers by what the reply says, like a (very) small LLM. */
function mockModel(answers: Record<string, Record<string, unknown>>) {
  return nock('https://api.openai.com')
    .post('/v1/chat/completions')
    .times(10)
    .reply((_uri, body) => {
      const text = (body as { messages: Array<{ content: string }> }).messages[1].content;
      const [, answer] = Object.entries(answers).find(([phrase]) => text.includes(phrase)) ?? ['', { category: 'other', confidence: 0.9 }];
      const content = JSON.stringify({ sentiment: 'neutral', language: 'en', reason: 'test', oooReturnDate: null, ...answer });
      return [200, { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal: null } }] }];
    });
}

function classifyNode(parameters: INodeParameters, extra: Partial<INode> = {}): INode {
  return {
    id: 'classify',
    name: 'AI Classify',
    type: `${PACKAGE_NAME}.aiClassify`,
    typeVersion: 1,
    position: [0, 0],
    parameters,
    credentials: { sequencerOpenAi: { id: '2', name: 'openai' }, sequencerDatabase: { id: '1', name: 'db' } },
    ...extra,
  };
}

async function run(parameters: INodeParameters, inputItems: INodeExecutionData[], extra: Partial<INode> = {}) {
  const { run } = await runWorkflow({
    workflowJson: { nodes: [classifyNode(parameters, extra)], connections: {} },
    credentials: {
      sequencerDatabase: databaseCredential(db.url, db.schema),
      sequencerOpenAi: { apiKey: 'sk-test', baseUrl: 'https://api.openai.com/v1', organization: '' },
    },
    inputItems,
    startNodeName: 'AI Classify',
  });
  return run;
}

/** The outputs n8n draws for these parameters (the node's outputs expression, evaluated by n8n). */
function outputNames(parameters: INodeParameters): string[] {
  const nodeTypes = new TestNodeTypes(packageNodeTypes());
  const node = classifyNode(parameters);
  const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
  const described = nodeTypes.getByNameAndVersion(node.type, 1).description;
  return NodeHelpers.getNodeOutputs(workflow, workflow.getNode(node.name)!, described).map((o) => (typeof o === 'string' ? o : (o.displayName ?? '')));
}

const who = (items: INodeExecutionData[] | null) => (items ?? []).map((i) => i.json.who);

describe('AI Classify', () => {
  const routed: INodeParameters = {
    routeByCategory: true,
    categories: { category: [{ name: 'pricing_question', description: 'Asks only about the price.' }] },
    options: { threshold: 0.6 },
  };
  const CATEGORIES = ['interested', 'meeting_request', 'question', 'not_interested', 'not_now', 'out_of_office', 'referral', 'unsubscribe', 'auto_reply', 'bounce', 'other'];

  it('routes each reply to its category, rules first and the model for the rest, and writes the results back', async () => {
    expect(outputNames(routed)).toEqual([
      'Interested',
      'Meeting Request',
      'Question',
      'Not Interested',
      'Not Now',
      'Out Of Office',
      'Referral',
      'Unsubscribe',
      'Auto Reply',
      'Bounce',
      'Other',
      'Pricing Question',
      'Needs Review',
    ]);
    const jane = await replied('jane', 'Please remove me from your list.');
    const omar = await replied('omar', 'Sounds great, can we talk on Thursday?');
    const lea = await replied('lea', 'What would it cost for 12 seats?');
    const max = await replied('max', 'hmm, maybe.');
    const model = mockModel({
      'talk on Thursday': { category: 'meeting_request', confidence: 0.93, sentiment: 'positive' },
      'cost for 12 seats': { category: 'pricing_question', confidence: 0.88 },
      'maybe.': { category: 'not_now', confidence: 0.3 },
    });

    const result = await run(routed, [jane.item, omar.item, lea.item, max.item]);
    expect(runError(result)).toBeUndefined();
    const out = (category: string) => outputOf(result, 'AI Classify', [...CATEGORIES, 'pricing_question', 'needs_review'].indexOf(category));
    expect(who(out('unsubscribe'))).toEqual(['jane']);
    expect(who(out('meeting_request'))).toEqual(['omar']);
    expect(who(out('pricing_question'))).toEqual(['lea']);
    expect(who(out('needs_review'))).toEqual(['max']);
    expect(out('interested')).toEqual([]);
    expect(out('unsubscribe')![0].pairedItem).toEqual({ item: 0 });
    expect(out('needs_review')![0].pairedItem).toEqual({ item: 3 });
    // Three model calls: the unsubscribe never reached the model.
    expect(model.pendingMocks()).toHaveLength(1);

    const [janeOut] = out('unsubscribe')!;
    expect(janeOut.json.classification).toMatchObject({ category: 'unsubscribe', source: 'rules', sentiment: 'negative', language: 'en' });
    expect(janeOut.json.writeBack).toMatchObject({ message: 'found', stored: true, doNotContact: true, stoppedEnrollments: [jane.enrollmentId] });
    expect(out('needs_review')![0].json.classification).toMatchObject({ category: 'needs_review', suggestedCategory: 'not_now', confidence: 0.3 });
    // The input item is kept as it was.
    expect(janeOut.json).toMatchObject({ event: 'message.received', who: 'jane' });

    expect((await sql('SELECT do_not_contact, do_not_contact_reason FROM $schema.contacts WHERE id = $1', [jane.contactId])).rows[0]).toEqual({
      do_not_contact: true,
      do_not_contact_reason: 'unsubscribed',
    });
    expect(await enrollmentOf(db, jane.enrollmentId)).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
    expect(await enrollmentOf(db, omar.enrollmentId)).toMatchObject({ status: 'active' });
    const stored = await sql('SELECT m.classification AS m, c.classification AS c FROM $schema.messages m JOIN $schema.conversations c ON c.id = m.conversation_id WHERE m.id = $1', [
      omar.messageId,
    ]);
    expect(stored.rows[0].m).toMatchObject({ category: 'meeting_request', source: 'model', confidence: 0.93 });
    expect(stored.rows[0].c).toMatchObject({ category: 'meeting_request', messageId: omar.messageId });
  });

  it('pauses the sequence of an out-of-office contact until the return day, when asked to', async () => {
    const monday = DateTime.utc().plus({ weeks: 2 }).set({ weekday: 1 });
    const away = await replied('away', `Thank you for your email. I am out of the office until ${monday.toFormat('d LLLL yyyy')} with limited access to email.`);
    const result = await run({ mode: 'rulesOnly', pauseOnOutOfOffice: true }, [away.item]);
    const [item] = outputOf(result, 'AI Classify', 0)!;
    expect(item.json.classification).toMatchObject({ category: 'out_of_office', oooReturnDate: monday.toISODate(), source: 'rules' });
    expect(item.json.writeBack).toMatchObject({ pausedEnrollments: [away.enrollmentId], pausedUntil: `${monday.toISODate()}T09:00:00.000Z` });
    expect(await enrollmentOf(db, away.enrollmentId)).toMatchObject({ status: 'paused', pause_reason: 'out_of_office' });
  });

  it('keeps what the runtime\'s rules made of the message when it was ingested: no model call', async () => {
    // Caught by the ingest from a header the event does not carry: the node's own rules alone would miss it.
    const desk = await replied('desk', "Thanks for your message. I'll get back to you as soon as possible.");
    const ingested = { category: 'auto_reply', confidence: 1, sentiment: 'neutral', language: 'en', reason: 'automatic reply: header x-autoreply', oooReturnDate: null, source: 'rules', classifiedAt: new Date().toISOString() };
    const item = { json: { ...desk.item.json, message: { ...(desk.item.json.message as object), classification: ingested } } };
    const model = mockModel({});

    const result = await run(routed, [item]);
    expect(runError(result)).toBeUndefined();
    const [out] = outputOf(result, 'AI Classify', CATEGORIES.indexOf('auto_reply'))!;
    expect(out.json.classification).toEqual({ category: 'auto_reply', confidence: 1, sentiment: 'neutral', language: 'en', reason: 'automatic reply: header x-autoreply', oooReturnDate: null, source: 'rules' });
    expect(model.isDone()).toBe(false);
    nock.cleanAll();
    expect(await enrollmentOf(db, desk.enrollmentId)).toMatchObject({ status: 'active' });
  });

  it('classifies any text by rules alone, without a model or a database', async () => {
    const items = [
      { json: { body: 'STOP' } },
      { json: { body: 'Tell me more' } },
      { json: { body: 'Thanks for your message, our team replies within 24 hours.', headers: { 'Auto-Submitted': 'auto-replied' } } },
    ];
    const { run: result } = await runWorkflow({
      workflowJson: {
        nodes: [{ ...classifyNode({ textSource: 'field', text: '={{ $json.body }}', details: { headers: '={{ JSON.stringify($json.headers || {}) }}' }, mode: 'rulesOnly', writeBack: false, options: { resultField: 'ai' } }), credentials: {} }],
        connections: {},
      },
      inputItems: items,
      startNodeName: 'AI Classify',
    });
    expect(runError(result)).toBeUndefined();
    const out = outputOf(result, 'AI Classify', 0)!;
    expect(out.map((i) => (i.json.ai as { category: string }).category)).toEqual(['unsubscribe', 'needs_review', 'auto_reply']);
    expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
    expect(out[0].json.writeBack).toBeUndefined();
  });

  it('a model that fails sends the reply to other with the error, without failing the batch', async () => {
    const pia = await replied('pia', 'Interesting, tell me more about the integrations.');
    nock('https://api.openai.com').post('/v1/chat/completions').reply(200, {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'I think: interested', refusal: null } }],
    });
    const result = await run({ ...routed, options: { maxRetries: 0 } }, [pia.item]);
    const [item] = outputOf(result, 'AI Classify', CATEGORIES.indexOf('other'))!;
    expect(item.json.classification).toMatchObject({ category: 'other', source: 'model', error: expect.stringMatching(/^malformed answer/) });
  });

  it('names what is missing on an item, or sends it to Needs Review with the error when continuing on fail', async () => {
    const items = [{ json: { who: 'nobody', text: 'hello' } }];
    const failed = await run({ mode: 'rulesOnly' }, items);
    expect(runError(failed)?.message).toMatch(/No inbox message on this item/);

    const continued = await run({ ...routed, mode: 'rulesOnly' }, items, { onError: 'continueRegularOutput' });
    const [item] = outputOf(continued, 'AI Classify', CATEGORIES.length + 1)!;
    expect(item).toMatchObject({ json: { who: 'nobody', error: expect.stringMatching(/No inbox message/) }, pairedItem: { item: 0 } });
  });

  it('refuses a custom category it could not route to', async () => {
    const result = await run({ ...routed, categories: { category: [{ name: 'Pricing Question', description: 'About price' }] } }, [{ json: {} }]);
    expect(runError(result)?.message).toMatch(/Custom Categories: categories\[0\]\.key: expected a lower-case name/);
  });
});
