import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import nock from 'nock';
import {
  createRunExecutionData,
  type ICredentialDataDecryptedObject as CredData,
  type IConnections,
  type IDataObject,
  type IHookFunctions,
  type INode,
  type INodeExecutionData,
  type IPinData,
  type IRun,
  type IWebhookFunctions,
  type IWorkflowSettings,
} from 'n8n-workflow';
import { SequencerTrigger } from '../../nodes/SequencerTrigger/SequencerTrigger.node';
import { q } from '../../runtime/db/identifier';
import { receiveDelivery, type DeliveryResult } from '../../runtime/inbox/deliveries';
import { BUILT_IN_ACTIONS } from '../../runtime/limits/policy';
import { createSequence } from '../../runtime/sequences/definitions';
import { startDispatcher } from '../../runtime/sequences/dispatcher';
import { startNotifier } from '../../runtime/subscriptions/notifier';
import { SIGNATURE_HEADER, signBody } from '../../runtime/subscriptions/signature';
import type { TestDb } from './db';
import { eventually, makeDue, openNowSettings, timelineOf } from './engine';
import { fixture } from './inbox';
import { databaseCredential, PACKAGE_NAME, packageNodeTypes, runError, runWorkflow } from './n8n';
import { BASE_NODE_TYPES } from './n8n-base-nodes';
import { API_KEY, DSN, formOf, linkedinProfile, ORIGIN, type CapturedRequest } from './unipile';

/**
 * End-to-end runs of the flow templates (flows/*.json): the template is loaded as n8n would import
 * it, its Sequencer Trigger registers itself with the runtime, the real dispatcher (or notifier) POSTs
 * signed deliveries to a local endpoint standing in for n8n's, the trigger's own webhook() turns each
 * into the workflow's start data, and n8n-core runs the workflow through the real nodes. UniPile is a
 * nock tenant that records every call; time passes by making the pending job due, never by sleeping.
 */
export const FLOWS_DIR = path.resolve(__dirname, '../../flows');
export const SEQUENCER_TRIGGER = `${PACKAGE_NAME}.sequencerTrigger`;

export interface Template {
  id: string;
  name: string;
  nodes: INode[];
  connections: IConnections;
  settings: IWorkflowSettings;
  pinData: IPinData;
}

export function templateNames(): string[] {
  return readdirSync(FLOWS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadTemplate(name: string): Template {
  return JSON.parse(readFileSync(path.join(FLOWS_DIR, `${name}.json`), 'utf8')) as Template;
}

let nodeTypes: ReturnType<typeof packageNodeTypes> | undefined;
/** Our node types (from package.json) plus the stand-ins for n8n's base nodes. */
export function flowNodeTypes() {
  return (nodeTypes ??= { ...packageNodeTypes(), ...BASE_NODE_TYPES });
}

export function triggerNodeOf(template: Template, type = SEQUENCER_TRIGGER): INode {
  const node = template.nodes.find((n) => n.type === type);
  if (!node) throw new Error(`template "${template.name}" has no ${type} node`);
  return node;
}

/** The step names of a steps-mode trigger, in output order. */
export function triggerStepsOf(node: INode): string[] {
  return ((node.parameters.steps as { step?: Array<{ name: string }> } | undefined)?.step ?? []).map((s) => s.name);
}

export interface FlowOptions {
  dryRun?: boolean;
  /** The UniPile credential's DSN; default the nock tenant's. A local fake server's URL reaches it from any process. */
  unipileDsn?: string;
  /** `external`: the runtime runs as its own process (fault tests), so no dispatcher or notifier starts in this one. */
  runtime?: 'in-process' | 'external';
}

/** Test data for every credential type we ship, by type (what the user picks after importing). */
export function flowCredentials(db: TestDb, options: FlowOptions = {}): Record<string, CredData> {
  return {
    sequencerDatabase: databaseCredential(db.url, db.schema),
    unipileApi: { dsn: options.unipileDsn ?? DSN, apiKey: API_KEY, dryRun: options.dryRun ?? false },
    sequencerOpenAi: { apiKey: 'test-openai-key' },
  };
}

/** Every credential a template references must be one we have test data for (i.e. one we ship). */
function credentialsFor(template: Template, available: Record<string, CredData>): Record<string, CredData> {
  for (const node of template.nodes) {
    for (const type of Object.keys(node.credentials ?? {})) {
      if (!(type in available)) throw new Error(`${template.name} / ${node.name}: credential type ${type} is not one of ours`);
    }
  }
  return available;
}

export interface FlowRun {
  run: IRun;
  /** Names of the nodes that ran, in order. */
  order: string[];
}

/** Runs a template from `start` (a trigger) with the data that trigger's webhook() returned. */
export async function runFromTrigger(template: Template, start: INode, workflowData: INodeExecutionData[][], credentials: Record<string, CredData>): Promise<FlowRun> {
  const resumeFrom = createRunExecutionData({ executionData: { nodeExecutionStack: [{ node: start, data: { main: workflowData }, source: null }] } });
  return runWorkflow({ workflowJson: template, nodeTypes: flowNodeTypes(), credentials: credentialsFor(template, credentials), resumeFrom });
}

/** A run that ended in an error names the node and the message (assertions then read better). */
export function assertSucceeded({ run }: FlowRun): void {
  const error = runError(run);
  if (error) throw new Error(`the workflow failed in ${run.data.resultData.lastNodeExecuted}: ${error.message} ${error.description ?? ''}`);
}

/** The slice of n8n's request context a webhook() reads. */
function webhookContext(node: INode, staticData: IDataObject, rawBody: string, headers: Record<string, string | undefined>, respond: { status: number; body?: unknown }) {
  const res = {
    status(code: number) {
      respond.status = code;
      return res;
    },
    json(body: unknown) {
      respond.body = body;
      return res;
    },
  };
  return {
    getNode: () => node,
    getNodeParameter: (name: string, fallback?: unknown) => node.parameters[name] ?? fallback,
    getWorkflowStaticData: () => staticData,
    getRequestObject: () => ({ rawBody: Buffer.from(rawBody), query: {} }),
    getBodyData: () => JSON.parse(rawBody) as IDataObject,
    getHeaderData: () => headers,
    getResponseObject: () => res,
  } as unknown as IWebhookFunctions;
}

/** Runs a template whose trigger is n8n's Webhook node, as a POST of `body` would. */
export async function postToWebhookFlow(template: Template, body: unknown, credentials: Record<string, CredData>): Promise<FlowRun> {
  const node = triggerNodeOf(template, 'n8n-nodes-base.webhook');
  const result = await BASE_NODE_TYPES[node.type].webhook!.call(webhookContext(node, {}, JSON.stringify(body), { 'content-type': 'application/json' }, { status: 200 }));
  return runFromTrigger(template, node, result.workflowData!, credentials);
}

export interface Delivery {
  body: Record<string, unknown> & { event: string; deliveryId: string };
  workflowData: INodeExecutionData[][];
}

const flatHeaders = (h: IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));

/** Dispatcher and notifier workers, started once per test database. */
const workersOf = new WeakMap<TestDb, Set<string>>();
async function ensureWorker(db: TestDb, which: 'dispatcher' | 'notifier'): Promise<void> {
  const started = workersOf.get(db) ?? new Set<string>();
  workersOf.set(db, started);
  if (started.has(which)) return;
  started.add(which);
  if (which === 'dispatcher') await startDispatcher(db, { timeoutMs: 10_000 });
  else await startNotifier(db, { timeoutMs: 10_000 });
}

/**
 * One imported and activated template: its Sequencer Trigger registered as a subscription (through
 * its own `create` hook) at a local URL, and every signed delivery the runtime posts there checked
 * by its `webhook()` and kept, ready to run.
 */
export class FlowDriver {
  readonly deliveries: Delivery[] = [];
  /** What each run started by `runEveryDelivery` gave, in the order they finished. */
  readonly autoRuns: Array<{ delivery: Delivery; flow?: FlowRun; error?: Error }> = [];
  private readonly taken = new Set<Delivery>();
  /** Delivery ids this driver posted itself (not dispatched by the runtime). */
  private readonly posted = new Set<string>();
  private autoRun = false;
  private readonly running = new Set<Promise<void>>();

  private url = '';

  private constructor(
    private readonly db: TestDb,
    readonly template: Template,
    readonly credentials: Record<string, CredData>,
    private readonly server: Server,
    private readonly staticData: IDataObject,
  ) {}

  get trigger(): INode {
    return triggerNodeOf(this.template);
  }

  static async start(db: TestDb, name: string, options: FlowOptions = {}): Promise<FlowDriver> {
    const template = loadTemplate(name);
    const credentials = flowCredentials(db, options);
    const node = triggerNodeOf(template);
    const trigger = flowNodeTypes()[SEQUENCER_TRIGGER] as SequencerTrigger;
    const staticData: IDataObject = {};
    const server = createServer();
    const driver = new FlowDriver(db, template, credentials, server, staticData);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const answer = { status: 200 };
        void trigger.webhook.call(webhookContext(node, staticData, raw, flatHeaders(req.headers), answer)).then(
          (result) => {
            const delivery = result.workflowData ? { body: JSON.parse(raw) as Delivery['body'], workflowData: result.workflowData } : undefined;
            if (delivery) driver.deliveries.push(delivery);
            res.statusCode = answer.status;
            res.end();
            if (delivery && driver.autoRun) driver.runInBackground(delivery);
          },
          (error: Error) => {
            res.statusCode = 500;
            res.end(error.message);
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // n8n's production URL for this node: /webhook/<webhookId>/<path>
    const url = (driver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/${node.webhookId}/sequencer`);
    const hooks = {
      getNodeParameter: (p: string, fallback?: unknown) => node.parameters[p] ?? fallback,
      getWorkflowStaticData: () => staticData,
      getNodeWebhookUrl: () => url,
      getCredentials: async (type: string) => credentials[type],
      getWorkflow: () => ({ id: template.id, name: template.name, active: true }),
      getNode: () => node,
    } as unknown as IHookFunctions;
    await trigger.webhookMethods.default.create.call(hooks);
    if (options.runtime !== 'external') await ensureWorker(db, node.parameters.mode === 'events' ? 'notifier' : 'dispatcher');
    return driver;
  }

  /**
   * From now on every delivery runs as soon as it has been answered, as in an active n8n workflow
   * (many at once when the runtime posts a burst); results land in `autoRuns`.
   */
  runEveryDelivery(): void {
    this.autoRun = true;
  }

  /** Waits until every run started by `runEveryDelivery` so far has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  private runInBackground(delivery: Delivery): void {
    this.taken.add(delivery);
    const done: Promise<void> = this.run(delivery)
      .then(
        (flow) => void this.autoRuns.push({ delivery, flow }),
        (error: Error) => void this.autoRuns.push({ delivery, error }),
      )
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** The sequence the template runs, created with a calendar open right now and the trigger's steps. */
  async createSequence(settings: Record<string, unknown> = {}): Promise<string> {
    const key = String(this.trigger.parameters.sequenceKey);
    await createSequence(this.db, { key, name: this.template.name, settings: openNowSettings({ steps: triggerStepsOf(this.trigger).map((name) => ({ name })), ...settings }) as never });
    return key;
  }

  /** The next delivery matching `match` not taken yet (waits for the worker, which polls every 0.5 s). */
  async next(match: (body: Delivery['body']) => boolean, what: string): Promise<Delivery> {
    const delivery = await eventually(() => this.deliveries.find((d) => !this.taken.has(d) && match(d.body)), what);
    this.taken.add(delivery);
    return delivery;
  }

  /** Runs the workflow for a delivery. A step is run once the runtime has recorded it as dispatched. */
  async run(delivery: Delivery): Promise<FlowRun> {
    if (delivery.body.event === 'sequence.step' && !this.posted.has(delivery.body.deliveryId)) {
      const enrollmentId = (delivery.body.enrollment as { id: string }).id;
      await eventually(
        async () => (await timelineOf(this.db, enrollmentId)).some((e) => e.kind === 'dispatched' && e.data.deliveryId === delivery.body.deliveryId),
        'the dispatch to be recorded',
      );
    }
    return runFromTrigger(this.template, this.trigger, delivery.workflowData, this.credentials);
  }

  /** Waits for the enrollment's next dispatched step and runs the workflow for it. */
  async runStep(enrollmentId: string): Promise<FlowRun & { step: string; delivery: Delivery }> {
    const delivery = await this.next((b) => b.event === 'sequence.step' && (b.enrollment as { id: string }).id === enrollmentId, `a step of enrollment ${enrollmentId}`);
    const flow = await this.run(delivery);
    assertSucceeded(flow);
    return { ...flow, step: String(delivery.body.step), delivery };
  }

  /**
   * POSTs `body` to the trigger signed with its secret, as the runtime does: e.g. a delivery that was
   * already on its way when a reply came in. Answers the trigger's status code.
   */
  async post(body: Record<string, unknown>): Promise<number> {
    const raw = JSON.stringify(body);
    this.posted.add(String(body.deliveryId));
    const response = await fetch(this.url, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(String(this.staticData.secret), raw) } });
    return response.status;
  }

  /** "Time passes": the enrollment's pending step becomes due now; then it runs. */
  async advance(enrollmentId: string): Promise<FlowRun & { step: string; delivery: Delivery }> {
    if ((await makeDue(this.db, enrollmentId)) === 0) throw new Error(`enrollment ${enrollmentId} has no pending step to make due`);
    return this.runStep(enrollmentId);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ——— the outside world ———

/** Every built-in action without spacing, so one contact's steps can run back to back in a test. */
export const UNPACED_LIMITS = Object.fromEntries(BUILT_IN_ACTIONS.map((action) => [action, { minSpacingSeconds: 0, jitterSeconds: 0 }]));

export async function seedAccount(db: TestDb, account: { id: string; provider: string; ownProviderId?: string; limits?: Record<string, unknown> }): Promise<string> {
  await db.pool.query(`INSERT INTO ${q(db.schema)}.accounts (id, provider, own_provider_id, limits) VALUES ($1, $2, $3, $4)`, [
    account.id,
    account.provider,
    account.ownProviderId ?? null,
    JSON.stringify(account.limits ?? {}),
  ]);
  return account.id;
}

/**
 * "Time passes" for the rate ledger: the account's reservations and spacing move `seconds` into the
 * past, as makeDue does for jobs, so a deferred step can be retried without sleeping.
 */
export async function pacingTimePasses(db: TestDb, accountId: string, seconds: number): Promise<void> {
  const back = [accountId, `${seconds} seconds`];
  await db.pool.query(`UPDATE ${q(db.schema)}.rate_ledger SET reserved_at = reserved_at - $2::interval WHERE account_id = $1`, back);
  await db.pool.query(
    `UPDATE ${q(db.schema)}.rate_state SET last_action_at = last_action_at - $2::interval, next_allowed_at = next_allowed_at - $2::interval, day_start = day_start - $2::interval WHERE account_id = $1`,
    back,
  );
}

/** The LinkedIn member id the fake tenant gives a profile slug (matches UniPile's `ACoAA…` shape). */
export const providerIdOf = (slug: string) => `ACoAA${slug.replace(/[^A-Za-z0-9]/g, '')}Member`;

/** A call the tenant answered; `path` without the /api/v1 prefix. */
export type ProviderCall = CapturedRequest;

/** What a call did, in a form tests compare: the operation and its account, recipient and text. */
export interface SentSummary {
  op: 'profile' | 'invitation' | 'start_chat' | 'message' | 'email';
  account?: string;
  to?: string;
  text?: string;
  subject?: string;
}

let seq = 0;
/** Ids unique across the test file, as UniPile's are. */
const uniqueId = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${++seq}`;

/**
 * A UniPile tenant (nock, persistent until the test's cleanup) that answers every endpoint the nodes
 * use with fresh ids and records each call, in order. `refusals` ("POST /users/invite" → status and
 * UniPile error type) make an endpoint refuse instead. Accounts must be seeded (no `GET /accounts`).
 */
export function fakeUnipileTenant(refusals: Record<string, { status: number; type: string }> = {}) {
  const calls: ProviderCall[] = [];
  const answer = (method: string, path: string): [number, unknown] => {
    const refusal = refusals[`${method} ${path}`];
    if (refusal) return [refusal.status, { status: refusal.status, type: refusal.type, title: refusal.type }];
    if (method === 'GET' && path.startsWith('/users/')) {
      const slug = decodeURIComponent(path.slice('/users/'.length));
      return [200, linkedinProfile(slug.startsWith('ACoAA') ? slug : providerIdOf(slug), slug)];
    }
    if (method === 'POST' && path === '/users/invite') return [201, { object: 'UserInvitationSent', invitation_id: uniqueId('inv') }];
    if (method === 'POST' && path === '/chats') return [201, { object: 'ChatStarted', chat_id: uniqueId('chat'), message_id: uniqueId('msg') }];
    if (method === 'POST' && /^\/chats\/[^/]+\/messages$/.test(path)) return [201, { object: 'MessageSent', message_id: uniqueId('msg') }];
    if (method === 'POST' && path === '/emails') return [201, { object: 'EmailSent', tracking_id: uniqueId('trk') }];
    return [404, { status: 404, type: 'errors/not_found', title: `no fake for ${method} ${path}` }];
  };
  for (const method of ['GET', 'POST']) {
    nock(ORIGIN)
      .persist()
      .intercept((uri) => uri.startsWith('/api/v1/'), method)
      .reply(function (uri, body) {
        const url = new URL(uri, ORIGIN);
        const path = url.pathname.replace(/^\/api\/v1/, '');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(this.req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
        calls.push({ method, path, query: url.searchParams, headers, body });
        const [status, json] = answer(method, path);
        return [status, JSON.stringify(json), { 'content-type': 'application/json' }];
      });
  }
  return {
    calls,
    /** The calls as summaries, in order (multipart bodies read back as forms). */
    async sent(): Promise<SentSummary[]> {
      return Promise.all(calls.map(summarize));
    },
  };
}

async function summarize(call: ProviderCall): Promise<SentSummary> {
  if (call.method === 'GET') return { op: 'profile', to: call.path.slice('/users/'.length) };
  if (call.path === '/users/invite') {
    const body = (typeof call.body === 'string' ? JSON.parse(call.body) : call.body) as { account_id: string; provider_id: string; message?: string };
    return { op: 'invitation', account: body.account_id, to: body.provider_id, text: body.message };
  }
  const form = await formOf(call);
  const field = (name: string) => (form.get(name) as string | null) ?? undefined;
  if (call.path === '/emails') {
    const to = JSON.parse(field('to') ?? '[]') as Array<{ identifier: string }>;
    return { op: 'email', account: field('account_id'), to: to.map((t) => t.identifier).join(','), subject: field('subject'), text: field('body') };
  }
  if (call.path === '/chats') return { op: 'start_chat', account: field('account_id'), to: field('attendees_ids'), text: field('text') };
  return { op: 'message', to: call.path.split('/')[2], text: field('text') };
}

// ——— UniPile webhooks, through the runtime's ingest ———

/** Stores and applies a UniPile webhook body exactly as the runtime's endpoint does. */
export async function receive(db: TestDb, body: Record<string, unknown>): Promise<DeliveryResult> {
  const result = await receiveDelivery(db, body);
  if (result.status !== 'processed') throw new Error(`webhook ${String(body.event)} was ${result.status}: ${result.error ?? ''}`);
  return result;
}

/** A LinkedIn (or WhatsApp) message from the contact, as UniPile posts `message_received`. */
export function chatReply(o: { accountId: string; accountType?: string; ownProviderId: string; senderProviderId: string; chatId?: string; text: string }) {
  const sender = { attendee_id: uniqueId('att'), attendee_provider_id: o.senderProviderId, attendee_name: 'Jane Prospect', attendee_profile_url: null, attendee_public_identifier: null };
  const type = o.accountType ?? 'LINKEDIN';
  return fixture('message_received', {
    account_id: o.accountId,
    account_type: type,
    account_info: { type, feature: 'classic', user_id: o.ownProviderId },
    chat_id: o.chatId ?? uniqueId('chat'),
    message_id: uniqueId('msg'),
    message: o.text,
    timestamp: new Date().toISOString(),
    sender,
    attendees: [sender],
    provider_message_id: uniqueId('pm'),
  });
}

/** An email from the contact, as UniPile posts `mail_received`. */
export function emailReply(o: { accountId: string; from: string; subject: string; text: string; headers?: Array<{ name: string; value: string }> }) {
  return fixture('mail_received', {
    account_id: o.accountId,
    email_id: uniqueId('email'),
    message_id: `<${uniqueId('m')}@mail.example>`,
    provider_id: uniqueId('prov'),
    date: new Date().toISOString(),
    from_attendee: { display_name: 'Jane Prospect', identifier: o.from, identifier_type: 'EMAIL_ADDRESS' },
    subject: o.subject,
    body: `<p>${o.text}</p>`,
    body_plain: o.text,
    in_reply_to: null,
    ...(o.headers ? { headers: o.headers } : {}),
  });
}

/** UniPile's `mail_sent` echo of an email we sent: it gives our row UniPile's email id (needed to reply in thread). */
export const emailEcho = (o: { accountId: string; trackingId: string; to: string; subject: string }) =>
  fixture('mail_sent', {
    account_id: o.accountId,
    id: uniqueId('email'),
    message_id: `<${uniqueId('sent')}@seller.example>`,
    provider_id: uniqueId('prov'),
    date: new Date().toISOString(),
    to_attendees: { display_name: 'Jane Prospect', identifier: o.to, identifier_type: 'EMAIL_ADDRESS' },
    subject: o.subject,
    tracking_id: o.trackingId,
  });

/** UniPile's `new_relation`: the contact accepted the invitation. */
export const acceptance = (o: { accountId: string; providerId: string; slug: string }) =>
  fixture('new_relation', { account_id: o.accountId, user_provider_id: o.providerId, user_public_identifier: o.slug, user_profile_url: `https://www.linkedin.com/in/${o.slug}/` });

/** UniPile's `mail_opened` / `mail_link_clicked` for an email we sent with tracking. */
export const emailTracking = (o: { accountId: string; trackingId: string; clickedUrl?: string }) =>
  fixture(o.clickedUrl ? 'mail_link_clicked.type_only' : 'mail_opened', {
    account_id: o.accountId,
    tracking_id: o.trackingId,
    event_id: uniqueId('evt'),
    email_id: null,
    date: new Date().toISOString(),
    ...(o.clickedUrl ? { url: o.clickedUrl } : {}),
  });

/** The model behind AI Classify: answers with the category whose phrase the reply contains. */
export function fakeModel(answers: Record<string, { category: string; confidence?: number }>) {
  const requests: string[] = [];
  nock('https://api.openai.com')
    .persist()
    .post('/v1/chat/completions')
    .reply((_uri, body) => {
      const text = (body as { messages: Array<{ content: string }> }).messages.map((m) => m.content).join('\n');
      requests.push(text);
      const [, answer] = Object.entries(answers).find(([phrase]) => text.includes(phrase)) ?? ['', { category: 'other' }];
      const content = JSON.stringify({ confidence: 0.92, sentiment: 'positive', language: 'en', reason: 'test model', oooReturnDate: null, ...answer });
      return [200, { id: 'cmpl', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal: null } }] }];
    });
  return { requests };
}
