import { randomUUID } from 'node:crypto';
import { type INode, type INodeExecutionData, type INodeParameters, NodeHelpers, Workflow } from 'n8n-workflow';
import { upsertContacts } from '../../runtime/contacts/upsert';
import { properties } from '../../nodes/ConditionBranch/description';
import { closeAllConnections } from '../../nodes/shared/database';
import { openTestDb, type TestDb } from '../support/db';
import { databaseCredential, outputOf, PACKAGE_NAME, packageNodeTypes, runError, runWorkflow, TestNodeTypes } from '../support/n8n';

/**
 * Three enrolled people, as ingest recorded them: Jane accepted the invitation and then replied by
 * email (her enrollment is on LinkedIn), Carl accepted only, Bob did nothing yet.
 */
let db: TestDb;
const sql = (text: string, values: unknown[] = []) => db.pool.query(text.replaceAll('$schema', `"${db.schema}"`), values);
const people = {} as Record<'jane' | 'carl' | 'bob', { contactId: string; enrollmentId: string }>;
const events = {} as Record<'janeAccepted' | 'janeReplied' | 'carlAccepted', string>;

async function event(contactId: string, kind: string, hoursAgo: number, channel = 'linkedin') {
  const { rows } = await sql(
    `INSERT INTO $schema.engagement_events (contact_id, account_id, channel, kind, occurred_at, source_key) VALUES ($1, 'acct_1', $2, $3, now() - make_interval(hours => $4), $5) RETURNING id`,
    [contactId, channel, kind, hoursAgo, randomUUID()],
  );
  return rows[0].id as string;
}

beforeAll(async () => {
  db = await openTestDb();
  await sql(`INSERT INTO $schema.accounts (id, provider) VALUES ('acct_1', 'LINKEDIN')`);
  const { rows } = await sql(`INSERT INTO $schema.sequences (key, name) VALUES ('outreach', 'Outreach') RETURNING id`);
  for (const name of ['jane', 'carl', 'bob'] as const) {
    const [c] = await upsertContacts(db.pool, db.schema, [{ firstName: name, identities: [{ kind: 'linkedin', value: `ACoAA-${name}` }] }]);
    const e = await sql(
      `INSERT INTO $schema.enrollments (sequence_id, contact_id, account_id, enrolled_at) VALUES ($1, $2, 'acct_1', now() - interval '5 days') RETURNING id`,
      [rows[0].id, c.contactId],
    );
    people[name] = { contactId: c.contactId, enrollmentId: e.rows[0].id };
  }
  // Jane's email reply reaches her through the identity graph.
  await upsertContacts(db.pool, db.schema, [
    {
      identities: [
        { kind: 'email', value: 'jane@acme.io' },
        { kind: 'linkedin', value: 'ACoAA-jane' },
      ],
    },
  ]);
  events.janeAccepted = await event(people.jane.contactId, 'invitation_accepted', 72);
  events.janeReplied = await event(people.jane.contactId, 'reply', 24, 'email');
  events.carlAccepted = await event(people.carl.contactId, 'invitation_accepted', 30);
});
afterAll(async () => {
  await closeAllConnections();
  await db.close();
});

/** What the Sequencer Trigger emits for a due step. */
const step = (who: keyof typeof people): INodeExecutionData => ({
  json: { event: 'sequence.step', enrollment: { id: people[who].enrollmentId }, contact: { id: people[who].contactId }, step: 'followup', who },
});

const condition = (fields: INodeParameters): INodeParameters => ({ condition: [fields] });

function branchNode(parameters: INodeParameters, extra: Partial<INode> = {}): INode {
  return {
    id: 'branch',
    name: 'Condition Branch',
    type: `${PACKAGE_NAME}.conditionBranch`,
    typeVersion: 1,
    position: [0, 0],
    parameters,
    credentials: { sequencerDatabase: { id: '1', name: 'db' } },
    ...extra,
  };
}

async function run(parameters: INodeParameters, inputItems: INodeExecutionData[], extra: Partial<INode> = {}) {
  const { run } = await runWorkflow({
    workflowJson: { nodes: [branchNode(parameters, extra)], connections: {} },
    credentials: { sequencerDatabase: databaseCredential(db.url, db.schema) },
    inputItems,
    startNodeName: 'Condition Branch',
  });
  return run;
}

/** The outputs n8n draws for these parameters (the node's outputs expression, evaluated by n8n). */
function outputNames(parameters: INodeParameters): string[] {
  const nodeTypes = new TestNodeTypes(packageNodeTypes());
  const node = branchNode(parameters);
  const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
  const described = nodeTypes.getByNameAndVersion(node.type, 1).description;
  return NodeHelpers.getNodeOutputs(workflow, workflow.getNode(node.name)!, described).map((o) => (typeof o === 'string' ? o : (o.displayName ?? '')));
}

const who = (items: INodeExecutionData[] | null) => (items ?? []).map((i) => i.json.who);

describe('Condition Branch: conditions mode', () => {
  const hasReplied: INodeParameters = { mode: 'conditions', conditions: condition({ type: 'replied', scope: 'contact', since: 'enrollment' }) };

  it('routes to true or false, with the matched conditions and their evidence on each item', async () => {
    expect(outputNames(hasReplied)).toEqual(['true', 'false']);
    const result = await run(hasReplied, [step('jane'), step('bob'), step('carl')]);
    expect(runError(result)).toBeUndefined();
    const yes = outputOf(result, 'Condition Branch', 0)!;
    const no = outputOf(result, 'Condition Branch', 1)!;
    expect(who(yes)).toEqual(['jane']);
    expect(yes[0].pairedItem).toEqual({ item: 0 });
    expect(yes[0].json.branch).toEqual({
      output: 'true',
      matched: [
        {
          condition: 'replied (contact, since enrollment)',
          type: 'replied',
          negated: false,
          matched: true,
          evidence: [expect.objectContaining({ eventId: events.janeReplied, kind: 'reply', channel: 'email', at: expect.any(String) })],
        },
      ],
      unmatched: [],
    });
    expect(who(no)).toEqual(['bob', 'carl']);
    expect(no.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
    expect(no[0].json.branch).toMatchObject({ output: 'false', matched: [], unmatched: [{ type: 'replied', evidence: [] }] });
  });

  it('combines with any/all and negation', async () => {
    const acceptedButSilent: INodeParameters = {
      mode: 'conditions',
      combinator: 'all',
      conditions: { condition: [{ type: 'invitation_accepted' }, { type: 'replied', negate: true }] },
    };
    const result = await run(acceptedButSilent, [step('jane'), step('carl'), step('bob')]);
    expect(who(outputOf(result, 'Condition Branch', 0))).toEqual(['carl']);
    expect(who(outputOf(result, 'Condition Branch', 1))).toEqual(['jane', 'bob']);
    const [carl] = outputOf(result, 'Condition Branch', 0)!;
    expect((carl.json.branch as { matched: Array<{ condition: string }> }).matched.map((m) => m.condition)).toEqual([
      'invitation accepted',
      'not replied (contact)',
    ]);
  });
});

describe('Condition Branch: per-item parameters', () => {
  it('evaluates the expressions a user wrote for every item: the subject and a condition value', async () => {
    const parameters: INodeParameters = {
      mode: 'conditions',
      enrollmentId: '',
      contactId: '={{ $json.person.uuid }}',
      conditions: condition({ type: 'field', fieldSource: 'contact', fieldName: 'id', fieldOperator: 'equals', fieldValue: '={{ $json.expected }}' }),
    };
    const item = (name: keyof typeof people, expected: string): INodeExecutionData => ({ json: { who: name, person: { uuid: people[name].contactId }, expected } });
    const result = await run(parameters, [item('jane', people.jane.contactId), item('carl', people.jane.contactId), item('bob', people.bob.contactId)]);
    expect(runError(result)).toBeUndefined();
    expect(who(outputOf(result, 'Condition Branch', 0))).toEqual(['jane', 'bob']);
    expect(who(outputOf(result, 'Condition Branch', 1))).toEqual(['carl']);
  });
});

describe('Condition Branch: default subject', () => {
  it('reads from each item what its default expressions read when n8n evaluates them', async () => {
    // A subject that is not a UUID is echoed in the item's error: that shows what was read.
    const items: INodeExecutionData[] = [
      { enrollment: { id: 'enr-x' } },
      { enrollment: { id: 7 } },
      { enrollment: {} },
      { contact: { id: 'con-x' } },
      { contactId: 'top-x' },
      { contact: { id: 'con-y' }, contactId: 'top-y' },
      { contact: 'just-text', contactId: 'top-z' },
      { contact: null },
      { contact: { id: people.jane.contactId }, conversation: { id: 'conv-x' } },
      { contact: { id: people.jane.contactId }, conversationId: 'conv-top' },
      { enrollment: { id: people.jane.enrollmentId } },
      { contact: { id: people.bob.contactId } },
      {},
    ].map((json, i) => ({ json: { ...json, i } as never }));
    const parameters: INodeParameters = { mode: 'conditions', conditions: condition({ type: 'replied', scope: 'contact' }) };
    // The same expressions, written so that n8n evaluates them for every item.
    const evaluated = { ...parameters };
    for (const name of ['enrollmentId', 'contactId', 'conversationId'] as const) {
      const expression = properties.find((p) => p.name === name)!.default as string;
      evaluated[name] = expression.replace('{{ ', '{{ (').replace(' }}', ') }}');
    }
    const outputs = async (p: INodeParameters) => {
      const result = await run(p, items, { onError: 'continueRegularOutput' });
      return [0, 1].map((o) => outputOf(result, 'Condition Branch', o));
    };
    const [fromDefaults, fromExpressions] = [await outputs(parameters), await outputs(evaluated)];
    expect(fromDefaults).toEqual(fromExpressions);
    const errors = fromDefaults[1]!.map((o) => o.json.error);
    for (const read of ['enrollmentId "enr-x"', 'enrollmentId "7"', 'contactId "con-y"', 'contactId "top-z"', 'conversationId "conv-x"', 'conversationId "conv-top"']) {
      expect(errors).toContainEqual(expect.stringContaining(read));
    }
  });
});

describe('Condition Branch: rules mode', () => {
  const acceptedRepliedNeither: INodeParameters = {
    mode: 'rules',
    rules: {
      rule: [
        { outputName: 'replied', conditions: condition({ type: 'replied', scope: 'contact' }) },
        { outputName: 'accepted', conditions: condition({ type: 'invitation_accepted' }) },
      ],
    },
    options: { renameFallbackOutput: 'neither' },
  };

  it('sends each item to the first matching rule, the rest to the fallback', async () => {
    expect(outputNames(acceptedRepliedNeither)).toEqual(['replied', 'accepted', 'neither']);
    const result = await run(acceptedRepliedNeither, [step('bob'), step('jane'), step('carl')]);
    const [replied, accepted, neither] = [0, 1, 2].map((o) => outputOf(result, 'Condition Branch', o)!);
    // Jane also accepted: the first rule wins.
    expect(who(replied)).toEqual(['jane']);
    expect(replied[0].pairedItem).toEqual({ item: 1 });
    expect(replied[0].json.branch).toMatchObject({ output: 'replied', matched: [{ evidence: [{ eventId: events.janeReplied }] }] });
    expect(who(accepted)).toEqual(['carl']);
    expect(accepted[0].json.branch).toMatchObject({
      output: 'accepted',
      matched: [{ type: 'invitation_accepted', evidence: [{ eventId: events.carlAccepted }] }],
    });
    expect(who(neither)).toEqual(['bob']);
    expect(neither[0].json.branch).toMatchObject({ output: 'neither', matched: [], unmatched: [{ type: 'replied' }, { type: 'invitation_accepted' }] });
  });

  it('without a fallback output, drops the items no rule matched (as Switch does)', async () => {
    const parameters = { ...acceptedRepliedNeither, options: { fallbackOutput: 'none' } };
    expect(outputNames(parameters)).toEqual(['replied', 'accepted']);
    const result = await run(parameters, [step('bob'), step('carl')]);
    expect(who(outputOf(result, 'Condition Branch', 0))).toEqual([]);
    expect(who(outputOf(result, 'Condition Branch', 1))).toEqual(['carl']);
  });
});

describe('Condition Branch: errors', () => {
  it('names the missing field, or sends the item to false with the error when continuing on fail', async () => {
    const parameters: INodeParameters = { mode: 'conditions', conditions: condition({ type: 'email_opened' }) };
    const items = [step('jane'), { json: { who: 'stranger' } }];
    const failed = await run(parameters, items);
    expect(runError(failed)?.message).toMatch(/no contact: set Contact ID or Enrollment ID/);

    const continued = await run(parameters, items, { onError: 'continueRegularOutput' });
    expect(who(outputOf(continued, 'Condition Branch', 1))).toEqual(['jane', 'stranger']);
    expect(outputOf(continued, 'Condition Branch', 1)![1]).toMatchObject({ json: { error: expect.stringMatching(/set Contact ID/) }, pairedItem: { item: 1 } });
  });

  it('says which condition is misconfigured', async () => {
    const result = await run({ mode: 'conditions', conditions: condition({ type: 'field', fieldSource: 'contact', fieldName: '', fieldOperator: 'equals' }) }, [
      step('jane'),
    ]);
    expect(runError(result)?.message).toMatch(/Conditions condition 1: field: name the field/);
  });
});
