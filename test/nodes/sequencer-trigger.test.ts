import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeHelpers, Workflow, type IDataObject, type IHookFunctions, type INode, type INodeExecutionData, type IWebhookFunctions } from 'n8n-workflow';
import { SequencerTrigger } from '../../nodes/SequencerTrigger/SequencerTrigger.node';
import { closeAllConnections } from '../../nodes/shared/database';
import { createSequence } from '../../runtime/sequences/definitions';
import { startDispatcher } from '../../runtime/sequences/dispatcher';
import { enroll } from '../../runtime/sequences/enroll';
import { scheduleNext } from '../../runtime/sequences/scheduler';
import { withTransaction } from '../../runtime/db/pool';
import { listSubscriptions } from '../../runtime/subscriptions/registry';
import { signBody } from '../../runtime/subscriptions/signature';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, eventually, openNowSettings } from '../support/engine';
import { databaseCredential, outputOf, PACKAGE_NAME, packageNodeTypes, runWorkflow, TestNodeTypes } from '../support/n8n';

let db: TestDb;
const trigger = new SequencerTrigger();

beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await closeAllConnections();
  await db.close();
});

const stepsMode = (sequenceKey: string, ...steps: string[]) => ({ mode: 'steps', sequenceKey, steps: { step: steps.map((name) => ({ name })) } });

/** The slice of n8n's hook context the trigger uses (reference n8n-community-nodes §5.2). */
function hookContext(parameters: IDataObject, staticData: IDataObject, url: string) {
  return {
    getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
    getWorkflowStaticData: () => staticData,
    getNodeWebhookUrl: () => url,
    getCredentials: async () => databaseCredential(db.url, db.schema),
    getWorkflow: () => ({ id: 'wf-1', name: 'Outreach', active: true }),
    getNode: () => ({ name: 'Sequencer Trigger' }),
  } as unknown as IHookFunctions;
}

interface Delivered {
  status: number;
  error?: unknown;
  workflowData?: INodeExecutionData[][];
}

/** Calls the trigger's webhook() as n8n would for one request. */
async function callWebhook(parameters: IDataObject, staticData: IDataObject, rawBody: string, headers: Record<string, string | undefined>): Promise<Delivered> {
  const response = { statusCode: 200, body: undefined as unknown };
  const res = {
    status(code: number) {
      response.statusCode = code;
      return res;
    },
    json(body: unknown) {
      response.body = body;
      return res;
    },
  };
  const ctx = {
    getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
    getWorkflowStaticData: () => staticData,
    getRequestObject: () => ({ rawBody: Buffer.from(rawBody) }),
    getBodyData: () => JSON.parse(rawBody) as IDataObject,
    getHeaderData: () => headers,
    getResponseObject: () => res,
  } as unknown as IWebhookFunctions;
  const result = await trigger.webhook.call(ctx);
  return { status: response.statusCode, error: response.body, workflowData: result.workflowData };
}

describe('Sequencer Trigger', () => {
  it('registers itself on activation, re-registers when its parameters change, and removes itself on deactivation', async () => {
    const staticData: IDataObject = {};
    const url = 'http://n8n.test/webhook/abc/sequencer';
    const hooks = trigger.webhookMethods.default;
    expect(await hooks.checkExists.call(hookContext(stepsMode('life'), staticData, url))).toBe(false);
    expect(await hooks.create.call(hookContext(stepsMode('life'), staticData, url))).toBe(true);
    const [sub] = await listSubscriptions(db.pool, db.schema, { sequenceKey: 'life' });
    expect(sub).toMatchObject({ url, events: ['sequence.step'], sequenceKey: 'life', secret: staticData.secret, id: staticData.subscriptionId });
    expect(String(staticData.secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(await hooks.checkExists.call(hookContext(stepsMode('life'), staticData, url))).toBe(true);

    // Edited to another sequence: not "existing" any more, so n8n calls create, which takes over the row.
    expect(await hooks.checkExists.call(hookContext(stepsMode('life-2'), staticData, url))).toBe(false);
    await hooks.create.call(hookContext(stepsMode('life-2'), staticData, url));
    expect(await listSubscriptions(db.pool, db.schema, { sequenceKey: 'life' })).toEqual([]);
    expect((await listSubscriptions(db.pool, db.schema, { sequenceKey: 'life-2' })).map((s) => s.url)).toEqual([url]);

    expect(await hooks.delete.call(hookContext(stepsMode('life-2'), staticData, url))).toBe(true);
    expect(await listSubscriptions(db.pool, db.schema, { sequenceKey: 'life-2' })).toEqual([]);
    expect(staticData).toEqual({});
    expect(await hooks.checkExists.call(hookContext(stepsMode('life-2'), staticData, url))).toBe(false);
  });

  it('refuses unsigned, wrongly signed and stale calls with 401', async () => {
    const staticData: IDataObject = {};
    const params = stepsMode('guarded', 'invite');
    await trigger.webhookMethods.default.create.call(hookContext(params, staticData, 'http://n8n.test/webhook/guarded'));
    const body = JSON.stringify({ event: 'sequence.step', step: 'invite', deliveryId: 'd-1' });
    const secret = String(staticData.secret);

    const ok = await callWebhook(params, staticData, body, { 'x-sequencer-signature': signBody(secret, body) });
    expect(ok.status).toBe(200);
    expect(ok.workflowData![0]).toHaveLength(1);

    const unsigned = await callWebhook(params, staticData, body, {});
    expect(unsigned).toMatchObject({ status: 401, workflowData: undefined });
    const forged = await callWebhook(params, staticData, body, { 'x-sequencer-signature': signBody('not-the-secret-at-all', body) });
    expect(forged).toMatchObject({ status: 401, error: { error: { code: 'unauthorized', message: expect.stringMatching(/does not match/) } } });
    const tampered = await callWebhook(params, staticData, body.replace('invite', 'followup'), { 'x-sequencer-signature': signBody(secret, body) });
    expect(tampered.status).toBe(401);
    const stale = await callWebhook(params, staticData, body, { 'x-sequencer-signature': signBody(secret, body, Math.floor(Date.now() / 1000) - 600) });
    expect(stale).toMatchObject({ status: 401, error: { error: { message: expect.stringMatching(/600 s away/) } } });
  });

  it('has one output per declared step plus "Other Steps" (and one output for inbox events)', () => {
    const outputsFor = (parameters: IDataObject) => {
      const node: INode = { id: 't', name: 'T', type: `${PACKAGE_NAME}.sequencerTrigger`, typeVersion: 1, position: [0, 0], parameters: parameters as INode['parameters'] };
      const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: new TestNodeTypes(packageNodeTypes()) });
      return NodeHelpers.getNodeOutputs(workflow, node, trigger.description).map((o) => (typeof o === 'string' ? o : o.displayName));
    };
    expect(outputsFor(stepsMode('canvas', 'invite', 'first_message', 'followup'))).toEqual(['invite', 'first_message', 'followup', 'Other Steps']);
    expect(outputsFor({ mode: 'events', events: ['message.received'] })).toEqual(['Event']);
  });

  it('routes real dispatched steps to the output named after them, and the flow schedules the next step', async () => {
    await createSequence(db, { key: 'canvas', settings: openNowSettings() as never });
    const staticData: IDataObject = {};
    const params = stepsMode('canvas', 'invite', 'first_message');
    const received: Delivered[] = [];
    // n8n's webhook endpoint, in front of the trigger.
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
        void callWebhook(params, staticData, Buffer.concat(chunks).toString('utf8'), headers).then((delivered) => {
          received.push(delivered);
          res.statusCode = delivered.status;
          res.end();
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/canvas/sequencer`;
      await trigger.webhookMethods.default.create.call(hookContext(params, staticData, url));
      await startDispatcher(db, { timeoutMs: 5000 });

      const [first, other] = await enroll(db, { sequenceKey: 'canvas', startStep: 'invite', contacts: [{ email: 'canvas@acme.io' }, { email: 'other@acme.io' }] });
      await withTransaction(db.pool, (tx) => scheduleNext(db, tx, { enrollmentId: other.enrollmentId!, step: 'unplanned', runAt: new Date() }));
      await eventually(() => received.length === 2, 'two deliveries');
      expect(received.every((r) => r.status === 200)).toBe(true);
      const invite = received.find((r) => r.workflowData![0].length === 1)!;
      expect(invite.workflowData!.map((o) => o.length)).toEqual([1, 0, 0]);
      expect(invite.workflowData![0][0].json).toMatchObject({ step: 'invite', enrollment: { id: first.enrollmentId } });
      const unplanned = received.find((r) => r !== invite)!;
      expect(unplanned.workflowData!.map((o) => o.length)).toEqual([0, 0, 1]);

      // The flow after the "invite" output: Sequence Step schedules the first message.
      const { run } = await runWorkflow({
        workflowJson: {
          nodes: [
            {
              id: 's',
              name: 'Schedule First Message',
              type: `${PACKAGE_NAME}.sequenceStep`,
              typeVersion: 1,
              position: [0, 0],
              parameters: { operation: 'scheduleNext', step: 'first_message', timing: 'delay', amount: 1, unit: 'days' },
              credentials: { sequencerDatabase: { id: '1', name: 'Sequencer' } },
            },
          ],
          connections: {},
        },
        credentials: { sequencerDatabase: databaseCredential(db.url, db.schema) },
        inputItems: invite.workflowData![0],
      });
      expect(outputOf(run, 'Schedule First Message')![0].json).toMatchObject({ outcome: 'scheduled', step: 'first_message' });
      await eventually(async () => (await enrollmentRow(db, first.enrollmentId!)).current_step === 'invite', 'invite recorded');
      expect(await enrollmentRow(db, first.enrollmentId!)).toMatchObject({ next_step: 'first_message' });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
