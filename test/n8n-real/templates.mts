import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowJson } from './checks.mts';
import { providerIdOf, TENANT_ACCOUNTS, type FakeServer, type RecordedRequest } from './fakes.mts';
import { REPO } from './install.mts';
import type { N8nServer } from './n8n.mts';
import { fail, sleep, waitFor } from './proc.mts';
import { passedCheck } from './report.mts';
import type { Runtime } from './runtime.mts';
import { assertRanThrough, executionsOf, importWorkflow, OPENAI_API_KEY, readJson, type Execution, type World } from './workflows.mts';

/**
 * The templates of flows/ in the real n8n, as a user runs them: imported, activated (each Sequencer
 * Trigger registers itself with the runtime), contacts enrolled through the runtime's API (and one
 * through the enroll-contacts template), each sequence's first step dispatched by the runtime and run
 * by n8n against the fake UniPile, then the contacts' replies posted to the runtime's webhook endpoint:
 * the sequences stop, reply triage classifies the replies, and nothing more goes out.
 */

const [LINKEDIN, MAIL, WHATSAPP, WHATSAPP_2] = TENANT_ACCOUNTS.map((a) => a.id);

/** Always open: every day, the whole day, in a fixed-offset zone where it is about noon now (so no midnight edge). */
function openCalendar() {
  const offset = 12 - new Date().getUTCHours();
  const timezone = offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  return { timezone, workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '23:59' } };
}

/** No pacing between one account's actions (docs/limits.md: sequence-level overrides), so steps can run back to back. */
const UNPACED = Object.fromEntries(['invitation', 'profile_view', 'message', 'inmail', 'email', 'whatsapp'].map((a) => [a, { minSpacingSeconds: 0, jitterSeconds: 0 }]));

interface Trigger {
  webhookId: string;
  parameters: { mode: string; sequenceKey?: string; events?: string[]; steps?: { step?: Array<{ name: string }> } };
}

interface Template {
  file: string;
  json: WorkflowJson;
  id: string;
  trigger?: Trigger;
}

/** What one sequence template does for its first step, and how its contact replies. */
interface SequenceCase {
  file: string;
  accountId: string;
  contact: Record<string, string>;
  vars?: Record<string, string>;
  /** The nodes the first step's run goes through. */
  firstStepNodes: string[];
  firstTouch: string;
  isFirstTouch(r: RecordedRequest): boolean;
  /** What Postgres keeps of the first touch; fails if it is not there. */
  checkStored(runtime: Runtime, enrollmentId: string): Promise<string>;
  reply(runtime: Runtime, enrollmentId: string): Promise<Record<string, unknown>>;
}

const JANE_SLUG = 'jane-n8n-real';
const MARIA_EMAIL = 'maria@acme-n8n.example';
const ANA_PHONE = '+33611112222';

const messageOf = (runtime: Runtime, enrollmentId: string, step: string) =>
  runtime.pool
    .query<{ status: string; provider_chat_id: string | null; tracking_id: string | null; subject: string | null; n: string }>(
      `SELECT status, provider_chat_id, tracking_id, subject, count(*) OVER () AS n FROM ${runtime.table('messages')} WHERE enrollment_id = $1 AND step = $2`,
      [enrollmentId, step],
    )
    .then((r) => r.rows[0]);

async function oneSentMessage(runtime: Runtime, enrollmentId: string, step: string) {
  const row = await messageOf(runtime, enrollmentId, step);
  if (!row || row.n !== '1' || row.status !== 'sent') fail(`messages: expected one sent row for step ${step} of enrollment ${enrollmentId}, got ${JSON.stringify(row)}`);
  return row;
}

/** A message from the contact, as UniPile posts `message_received` (reference §12). */
function chatReply(o: { accountId: string; type: 'LINKEDIN' | 'WHATSAPP'; ownId: string; sender: string; chatId: string; text: string }) {
  const sender = { attendee_id: `att-${o.sender.slice(0, 12)}`, attendee_provider_id: o.sender, attendee_name: 'Prospect', attendee_profile_url: null, attendee_public_identifier: null };
  return {
    event: 'message_received',
    account_id: o.accountId,
    account_type: o.type,
    account_info: { type: o.type, feature: 'classic', user_id: o.ownId },
    webhook_name: 'outreach-messaging',
    chat_id: o.chatId,
    message_id: `msg-reply-${Date.now().toString(36)}-${o.sender.slice(-6)}`,
    message: o.text,
    timestamp: new Date().toISOString(),
    subject: null,
    sender,
    attendees: [sender],
    attachments: [],
    is_sender: false,
    provider_chat_id: `2-${o.chatId}`,
    provider_message_id: `2-reply-${Date.now().toString(36)}`,
    is_event: 0,
    message_type: 'MESSAGE',
    is_group: false,
    event_type: null,
  };
}

const SEQUENCE_CASES: SequenceCase[] = [
  {
    file: 'linkedin-invite-followup.json',
    accountId: LINKEDIN,
    contact: { linkedinPublicId: JANE_SLUG, firstName: 'Jane', company: 'Acme' },
    firstStepNodes: ['Sequencer Trigger', 'Gate: Profile View', 'Look Up Profile', 'Schedule Invitation'],
    firstTouch: `profile visit GET /users/${JANE_SLUG}`,
    isFirstTouch: (r) => r.method === 'GET' && r.path === `/users/${JANE_SLUG}` && r.query.get('account_id') === LINKEDIN,
    async checkStored(runtime, enrollmentId) {
      const { rows } = await runtime.pool.query(
        `SELECT i.value FROM ${runtime.table('contact_identities')} i JOIN ${runtime.table('enrollments')} e ON e.contact_id = i.contact_id WHERE e.id = $1 AND i.kind = 'linkedin'`,
        [enrollmentId],
      );
      if (rows[0]?.value !== providerIdOf(JANE_SLUG)) fail(`the profile visit did not store the LinkedIn member id on the contact (identities: ${JSON.stringify(rows)})`);
      return 'the member id found by the visit is on the contact';
    },
    reply: async () =>
      chatReply({ accountId: LINKEDIN, type: 'LINKEDIN', ownId: TENANT_ACCOUNTS[0].ownId!, sender: providerIdOf(JANE_SLUG), chatId: 'chat-jane-reply', text: 'Thanks, happy to chat next week.' }),
  },
  {
    file: 'multichannel-email-linkedin.json',
    accountId: MAIL,
    contact: { email: MARIA_EMAIL, linkedinPublicId: 'maria-acme-n8n', firstName: 'Maria', company: 'Acme' },
    vars: { linkedinAccountId: LINKEDIN },
    firstStepNodes: ['Sequencer Trigger', 'Gate: Email 1', 'Send Email 1', 'Schedule LinkedIn Step'],
    firstTouch: `email POST /emails to ${MARIA_EMAIL}`,
    isFirstTouch: (r) => r.method === 'POST' && r.path === '/emails' && JSON.stringify(r.body ?? '').includes(MARIA_EMAIL),
    async checkStored(runtime, enrollmentId) {
      const row = await oneSentMessage(runtime, enrollmentId, 'email_1');
      if (!row.tracking_id) fail(`the sent email_1 has no tracking id (UniPile's answer was not stored): ${JSON.stringify(row)}`);
      return 'one sent email_1 row with its tracking id';
    },
    async reply(runtime, enrollmentId) {
      const sent = await messageOf(runtime, enrollmentId, 'email_1');
      return {
        event: 'mail_received',
        email_id: `email-reply-${Date.now().toString(36)}`,
        account_id: MAIL,
        webhook_name: 'outreach-email',
        date: new Date().toISOString(),
        from_attendee: { display_name: 'Maria', identifier: MARIA_EMAIL, identifier_type: 'EMAIL_ADDRESS' },
        to_attendees: [{ display_name: 'Sales', identifier: 'sales@seller.example', identifier_type: 'EMAIL_ADDRESS' }],
        cc_attendees: [],
        bcc_attendees: [],
        reply_to_attendees: [],
        provider_id: `<reply-${Date.now().toString(36)}@acme-n8n.example>`,
        message_id: `<reply-${Date.now().toString(36)}@acme-n8n.example>`,
        has_attachments: false,
        subject: `Re: ${sent?.subject ?? 'your email'}`,
        body: '<p>Interested, can you call me tomorrow?</p>',
        body_plain: 'Interested, can you call me tomorrow?',
        attachments: [],
        folders: ['INBOX'],
        role: 'inbox',
        read_date: null,
        is_complete: true,
        in_reply_to: null,
        tracking_id: null,
        origin: 'external',
      };
    },
  },
  {
    file: 'whatsapp-nurture.json',
    accountId: WHATSAPP,
    contact: { phone: ANA_PHONE, firstName: 'Ana' },
    firstStepNodes: ['Sequencer Trigger', 'Gate: WhatsApp Intro', 'Start WhatsApp Chat', 'Schedule Value Message'],
    firstTouch: `WhatsApp chat POST /chats with ${ANA_PHONE}`,
    isFirstTouch: (r) => r.method === 'POST' && r.path === '/chats' && JSON.stringify(r.body ?? '').includes(`${ANA_PHONE.slice(1)}@s.whatsapp.net`),
    async checkStored(runtime, enrollmentId) {
      const row = await oneSentMessage(runtime, enrollmentId, 'wa_intro');
      if (!row.provider_chat_id) fail(`the sent wa_intro has no chat id (UniPile's answer was not stored): ${JSON.stringify(row)}`);
      return 'one sent wa_intro row with the new chat id';
    },
    async reply(runtime, enrollmentId) {
      const sent = await messageOf(runtime, enrollmentId, 'wa_intro');
      return chatReply({ accountId: WHATSAPP, type: 'WHATSAPP', ownId: TENANT_ACCOUNTS[2].ownId!, sender: `${ANA_PHONE.slice(1)}@s.whatsapp.net`, chatId: sent!.provider_chat_id!, text: 'Thanks! Can we talk Friday?' });
    },
  },
];

function templateFiles(): string[] {
  return readdirSync(path.join(REPO, 'flows'))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

const SEQUENCER_TRIGGER = 'n8n-nodes-unipile-sequencer.sequencerTrigger';

interface EnrollmentView {
  status: string;
  currentStep: string | null;
  nextStep: string | null;
  stopReason: string | null;
}

const enrollment = (runtime: Runtime, id: string) => runtime.api<EnrollmentView>('GET', `/enrollments/${id}?timeline=0`);

const dispatchCount = async (runtime: Runtime, enrollmentId: string) =>
  Number((await runtime.pool.query(`SELECT count(*) AS n FROM ${runtime.table('enrollment_events')} WHERE enrollment_id = $1 AND kind = 'dispatched'`, [enrollmentId])).rows[0].n);

/** Finished runs of a workflow, keyed by the enrollment and step their trigger item carries. */
async function stepRuns(world: World, template: Template): Promise<Map<string, Execution[]>> {
  const byStep = new Map<string, Execution[]>();
  for (const execution of await executionsOf(world, template.id)) {
    const outputs = execution.runData['Sequencer Trigger']?.[0]?.data?.main ?? [];
    const item = outputs.flatMap((o) => o ?? [])[0]?.json as { enrollment?: { id: string }; step?: string } | undefined;
    const key = `${item?.enrollment?.id}:${item?.step}`;
    byStep.set(key, [...(byStep.get(key) ?? []), execution]);
  }
  return byStep;
}

/** Waits for the one run of this enrollment's step in n8n and checks it went through `nodes` without error. */
async function checkStepRun(world: World, template: Template, enrollmentId: string, step: string, nodes: string[]): Promise<Execution> {
  const runs = await waitFor(
    `n8n to finish running step ${step} of enrollment ${enrollmentId} in ${template.file}`,
    async () => {
      const found = (await stepRuns(world, template)).get(`${enrollmentId}:${step}`);
      return found && found.every((e) => e.status !== 'running' && e.status !== 'new') ? found : undefined;
    },
    60_000,
    500,
  );
  if (runs.length !== 1) fail(`${template.file}: step ${step} of enrollment ${enrollmentId} ran ${runs.length} times in n8n (executions ${runs.map((r) => r.id).join(', ')})`);
  if (runs[0].status !== 'success') fail(`${template.file}: the run of step ${step} (execution ${runs[0].id}) ended ${runs[0].status}`);
  assertRanThrough(runs[0].runData, nodes, `${template.file}, step ${step}`);
  return runs[0];
}

/** The sends and profile visits in the fake UniPile's log (not the account listing of `accounts sync`). */
const providerActions = (unipile: FakeServer) => unipile.requests.filter((r) => !(r.method === 'GET' && r.path.startsWith('/accounts')));

const stepsOf = (t: Template) => (t.trigger!.parameters.steps?.step ?? []).map((s) => s.name);
const keyOf = (t: Template) => t.trigger!.parameters.sequenceKey!;

/** Imports every template, then activates those a trigger starts (the Sequencer Trigger ones and enroll-contacts). */
async function importAndActivate(world: World): Promise<Template[]> {
  const templates: Template[] = [];
  for (const file of templateFiles()) {
    const json = readJson<WorkflowJson>(path.join(REPO, 'flows', file));
    const trigger = json.nodes.find((n) => n.type === SEQUENCER_TRIGGER) as unknown as Trigger | undefined;
    templates.push({ file, json, trigger, id: await importWorkflow(world, json, `flows/${file}`) });
  }
  passedCheck(`${templates.length} templates of flows/ imported (node types, parameters and credentials match what n8n loaded)`);
  for (const template of templates.filter((t) => t.trigger || t.file === 'enroll-contacts.json')) {
    await world.n8n.api('POST', `/workflows/${template.id}/activate`);
  }
  return templates;
}

/** Each activated Sequencer Trigger registered itself in the runtime's subscriptions table, at n8n's production URL. */
async function checkSubscriptions({ n8n, runtime }: World, templates: Template[]): Promise<void> {
  const wanted = templates
    .filter((t) => t.trigger)
    .map(({ file, trigger }) => ({
      file,
      url: `${n8n.url}/webhook/${trigger!.webhookId}/sequencer`,
      events: trigger!.parameters.mode === 'steps' ? ['sequence.step'] : (trigger!.parameters.events ?? []),
      sequenceKey: trigger!.parameters.sequenceKey || null,
    }));
  let rows: Array<{ url: string; events: string[]; sequence_key: string | null }> = [];
  const missing = () => wanted.filter((w) => !rows.some((s) => s.url === w.url && s.events.join() === w.events.join() && s.sequence_key === w.sequenceKey));
  // n8n finishes an activation (and so the trigger's `create`) a moment after its API answers.
  await waitFor(
    () => `activation to register each Sequencer Trigger; missing ${JSON.stringify(missing())}, subscriptions ${JSON.stringify(rows)}`,
    async () => {
      rows = (await runtime.pool.query(`SELECT url, events, sequence_key FROM ${runtime.table('subscriptions')}`)).rows;
      return missing().length === 0;
    },
    30_000,
    100,
  );
  passedCheck(`activation registered ${wanted.length} Sequencer Triggers in the runtime's subscriptions table, with n8n's production webhook URLs`);
}

type Enrolled = SequenceCase & { template: Template; enrollmentId: string };

/** The accounts pulled from UniPile, each sequence created (calendar open now, no pacing), one contact each, due now. */
async function enrollContacts({ runtime }: World, byFile: (file: string) => Template): Promise<Enrolled[]> {
  const synced = JSON.parse(await runtime.cli(['accounts', 'sync', '--json'])) as Array<{ id: string; own_provider_id: string | null }>;
  for (const account of TENANT_ACCOUNTS) {
    if (!synced.some((s) => s.id === account.id && s.own_provider_id === (account.ownId ?? null))) fail(`accounts sync did not store ${JSON.stringify(account)}: ${JSON.stringify(synced)}`);
  }
  const enrolled: Enrolled[] = [];
  for (const c of SEQUENCE_CASES) {
    const template = byFile(c.file);
    const settings = { ...openCalendar(), steps: stepsOf(template).map((name) => ({ name })), limits: UNPACED };
    await runtime.api('POST', '/sequences', { key: keyOf(template), name: template.json.name, settings }, 201);
    const { results } = await runtime.api<{ results: Array<{ outcome: string; enrollmentId: string }> }>('POST', `/sequences/${keyOf(template)}/enrollments`, {
      contacts: [c.contact],
      accountId: c.accountId,
      vars: c.vars,
      startAt: new Date().toISOString(),
    });
    if (results[0]?.outcome !== 'enrolled') fail(`enrolling ${JSON.stringify(c.contact)} in ${keyOf(template)} gave ${JSON.stringify(results)}`);
    enrolled.push({ ...c, template, enrollmentId: results[0].enrollmentId });
  }
  return enrolled;
}

/** Waits until the enrollment's first step is done and the second pending, and returns those two steps. */
async function afterFirstStep(runtime: Runtime, template: Template, enrollmentId: string): Promise<[string, string]> {
  const [first, second] = stepsOf(template);
  await waitFor(`enrollment ${enrollmentId} (${template.file}) to have ${second} pending after ${first}`, async () => {
    const e = await enrollment(runtime, enrollmentId);
    return e.status === 'active' && e.currentStep === first && e.nextStep === second;
  }, 60_000);
  return [first, second];
}

/** A first step: dispatched once by the runtime, run once by n8n through its nodes, one provider call, stored in Postgres. */
async function checkFirstTouch(world: World, e: Enrolled): Promise<void> {
  const { runtime, unipile } = world;
  const [first, second] = await afterFirstStep(runtime, e.template, e.enrollmentId);
  await checkStepRun(world, e.template, e.enrollmentId, first, e.firstStepNodes);
  const touches = unipile.requests.filter(e.isFirstTouch).length;
  if (touches !== 1) fail(`${e.file}: expected the ${e.firstTouch} exactly once in the fake UniPile's log, saw it ${touches} times`);
  const dispatched = await dispatchCount(runtime, e.enrollmentId);
  if (dispatched !== 1) fail(`${e.file}: step ${first} was dispatched ${dispatched} times`);
  const stored = await e.checkStored(runtime, e.enrollmentId);
  passedCheck(`${e.file}: ${first} ran once in n8n → ${e.firstTouch} once; ${stored}; ${second} pending`);
}

/**
 * The contact enrolled through the enroll-contacts template gets its WhatsApp intro; then "time passes"
 * (its pending step's job made due) and the value message goes out once, in the chat the intro opened —
 * which also shows that making a step due works, so the replies' check below is not vacuous.
 */
async function checkStepMadeDue(world: World, whatsapp: Template, enrollmentId: string): Promise<void> {
  const { runtime, unipile } = world;
  await afterFirstStep(runtime, whatsapp, enrollmentId);
  await checkStepRun(world, whatsapp, enrollmentId, 'wa_intro', ['Sequencer Trigger', 'Gate: WhatsApp Intro', 'Start WhatsApp Chat', 'Schedule Value Message']);
  const chatId = (await messageOf(runtime, enrollmentId, 'wa_intro'))?.provider_chat_id;
  if ((await runtime.makeDue(enrollmentId)) !== 1) fail(`the pending wa_value step of enrollment ${enrollmentId} had no queued job to make due`);
  await waitFor(`wa_value of enrollment ${enrollmentId} to run`, async () => (await enrollment(runtime, enrollmentId)).nextStep === 'wa_checkin', 60_000);
  await checkStepRun(world, whatsapp, enrollmentId, 'wa_value', ['Replied? (Value Message)', 'Gate: Value Message', 'Send Value Message', 'Schedule Check-In']);
  const followUps = unipile.requests.filter((r) => r.method === 'POST' && r.path === `/chats/${chatId}/messages`).length;
  if (followUps !== 1) fail(`expected one WhatsApp follow-up in chat ${chatId}, saw ${followUps}`);
  await oneSentMessage(runtime, enrollmentId, 'wa_value');
  passedCheck('a pending step made due runs once: wa_value sent in the chat the intro opened, wa_checkin pending');
}

/**
 * Each contact's reply, posted to the runtime's webhook endpoint, stops the enrollment and cancels its
 * next step; reply triage (events-mode trigger) classifies each reply with the model; and afterwards
 * nothing goes out and no sequence workflow runs again.
 */
async function checkReplies(world: World, enrolled: Enrolled[], triage: Template): Promise<void> {
  const { runtime, unipile, openai } = world;
  const actionsBefore = providerActions(unipile).length;
  const runsBefore = new Map<Enrolled, number>();
  for (const e of enrolled) runsBefore.set(e, (await executionsOf(world, e.template.id)).length);

  for (const e of enrolled) {
    const answer = await runtime.webhook(await e.reply(runtime, e.enrollmentId));
    if (answer.status !== 'processed') fail(`${e.file}: the reply webhook was ${answer.status}, not processed`);
    const state = await enrollment(runtime, e.enrollmentId);
    if (state.status !== 'stopped' || state.stopReason !== 'replied' || state.nextStep !== null) fail(`${e.file}: after the reply the enrollment is ${JSON.stringify(state)}, expected stopped (replied) with nothing pending`);
    if ((await runtime.makeDue(e.enrollmentId)) !== 0) fail(`${e.file}: the reply left a queued job for the next step of enrollment ${e.enrollmentId}`);
  }

  const triageRuns = await waitFor(
    `${enrolled.length} finished runs of reply-triage.json`,
    async () => {
      const runs = await executionsOf(world, triage.id);
      return runs.length >= enrolled.length && runs.every((r) => r.status !== 'running' && r.status !== 'new') ? runs : undefined;
    },
    60_000,
    500,
  );
  if (triageRuns.length !== enrolled.length) fail(`reply-triage.json ran ${triageRuns.length} times for ${enrolled.length} replies`);
  for (const run of triageRuns) {
    if (run.status !== 'success') fail(`reply-triage.json: execution ${run.id} ended ${run.status}`);
    assertRanThrough(run.runData, ['Sequencer Trigger', 'Classify Reply', 'Notify Sales (Placeholder)', 'Assign Owner (Placeholder)'], `reply-triage.json (execution ${run.id})`);
  }
  const modelCalls = openai.requests.filter((r) => r.path === '/chat/completions');
  if (modelCalls.length !== enrolled.length || modelCalls.some((r) => r.headers.authorization !== `Bearer ${OPENAI_API_KEY}`)) {
    fail(`expected ${enrolled.length} chat completions with the credential's key at the fake OpenAI, saw ${modelCalls.length}`);
  }
  const { rows: classified } = await runtime.pool.query<{ category: string | null }>(`SELECT classification->>'category' AS category FROM ${runtime.table('messages')} WHERE direction = 'in'`);
  if (classified.length !== enrolled.length || classified.some((r) => r.category !== 'interested')) fail(`the inbound replies were not all stored as interested: ${JSON.stringify(classified)}`);
  passedCheck(`reply-triage.json ran once per reply: AI Classify called the model (${modelCalls.length} calls) and stored "interested" on each message`);

  // The dispatcher polls every 0.5 s: give it time to (wrongly) send anything.
  await sleep(3000);
  const extra = providerActions(unipile).slice(actionsBefore);
  if (extra.length) fail(`UniPile was called after the replies: ${extra.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  for (const e of enrolled) {
    const runs = (await executionsOf(world, e.template.id)).length;
    if (runs !== runsBefore.get(e)) fail(`${e.file} ran again after the reply (${runs} runs, ${runsBefore.get(e)} before)`);
    if ((await dispatchCount(runtime, e.enrollmentId)) !== 1) fail(`${e.file}: a step was dispatched after the reply`);
  }
  passedCheck('a reply (LinkedIn, email, WhatsApp) posted to the runtime stopped each enrollment as replied: next step cancelled, no UniPile call, no run');
}

export async function runTemplates(world: World): Promise<void> {
  const templates = await importAndActivate(world);
  const byFile = (file: string) => templates.find((t) => t.file === file) ?? fail(`flows/${file} is missing`);
  await checkSubscriptions(world, templates);

  const enrolled = await enrollContacts(world, byFile);
  // One more contact, through the enroll-contacts template's webhook, into the WhatsApp sequence (from the second number).
  const throughTemplate = await enrollThroughTemplate(world.n8n, { sequenceKey: 'whatsapp-nurture', accountId: WHATSAPP_2, contacts: [{ phone: '+33633334444', firstName: 'Leo' }] });
  passedCheck('the enroll-contacts template enrolled a contact through its production webhook (Sequence Step: Enroll in n8n)');

  for (const e of enrolled) await checkFirstTouch(world, e);
  await checkStepMadeDue(world, byFile('whatsapp-nurture.json'), throughTemplate);
  const actions = providerActions(world.unipile);
  if (actions.length !== enrolled.length + 2) {
    fail(`expected ${enrolled.length + 2} UniPile calls (each first touch, the template-enrolled contact's two messages), saw ${actions.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  }

  await checkReplies(world, enrolled, byFile('reply-triage.json'));
}

/** POSTs to the enroll-contacts template's production webhook (retrying the moment after activation when it may 404). */
async function enrollThroughTemplate(n8n: N8nServer, body: Record<string, unknown>): Promise<string> {
  const answer = await waitFor('the enroll-contacts webhook to answer', async () => {
    const response = await fetch(`${n8n.url}/webhook/sequencer-enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status === 404) return undefined;
    const text = await response.text();
    if (response.status !== 200) fail(`the enroll-contacts webhook answered ${response.status}: ${text}`);
    return JSON.parse(text) as Array<{ outcome?: string; enrollmentId?: string }>;
  }, 15_000);
  const [result] = Array.isArray(answer) ? answer : [answer];
  if (result?.outcome !== 'enrolled' || !result.enrollmentId) fail(`the enroll-contacts webhook answered ${JSON.stringify(answer)}, expected one "enrolled" result`);
  return result.enrollmentId;
}
