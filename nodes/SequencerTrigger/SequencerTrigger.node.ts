import { randomBytes } from 'node:crypto';
import {
  type IDataObject,
  type IHookFunctions,
  type INodeExecutionData,
  type INodeParameters,
  type INodeType,
  type INodeTypeDescription,
  type IWebhookFunctions,
  type IWebhookResponseData,
} from 'n8n-workflow';
import { SUBSCRIPTION_EVENTS, type SubscriptionEvent } from '../../runtime/subscriptions/events';
import { getSubscription, registerSubscription, unregisterSubscription } from '../../runtime/subscriptions/registry';
import { SIGNATURE_HEADER, verifySignature } from '../../runtime/subscriptions/signature';
import { contextFor, databaseCredentialTest } from '../shared/database';

/**
 * Starts a flow for each due step of a sequence (steps mode: one output per declared step, plus
 * "Other Steps") or for inbox events (events mode). On activation it registers itself in the
 * `subscriptions` table with its own secret (kept in the node's static data), on deactivation it
 * removes itself, and it accepts only POSTs signed with that secret (docs/runtime-api.md).
 */

/** Evaluated by n8n from the parameters, so it must stand alone (no imports, no optional chaining). */
const outputsOf = (parameters: INodeParameters) => {
  if (parameters.mode === 'events') return [{ type: 'main', displayName: 'Event' }];
  const steps = ((parameters.steps || {}) as { step?: Array<{ name?: string }> }).step || [];
  const outputs = steps.map((s, i) => ({ type: 'main', displayName: s.name || 'Step ' + (i + 1) }));
  outputs.push({ type: 'main', displayName: 'Other Steps' });
  return outputs;
};

const INBOX_EVENTS = SUBSCRIPTION_EVENTS.filter((e) => e !== 'sequence.step');

const EVENT_NAMES: Record<(typeof INBOX_EVENTS)[number], string> = {
  'message.received': 'Message Received',
  'invitation.accepted': 'Invitation Accepted',
  'email.opened': 'Email Opened',
  'email.clicked': 'Email Link Clicked',
  'account.status': 'Account Status Changed',
  'enrollment.stopped': 'Enrollment Stopped',
  'enrollment.completed': 'Enrollment Completed',
};

interface Registration {
  subscriptionId?: string;
  secret?: string;
}

/** What this node should be subscribed to, from its parameters. */
function wantedSubscription(fn: IHookFunctions): { events: SubscriptionEvent[]; sequenceKey: string | null } {
  const mode = fn.getNodeParameter('mode') as string;
  const sequenceKey = String(fn.getNodeParameter('sequenceKey', '') ?? '').trim() || null;
  if (mode === 'steps') return { events: ['sequence.step'], sequenceKey };
  return { events: fn.getNodeParameter('events', []) as SubscriptionEvent[], sequenceKey };
}

function stepNames(fn: IWebhookFunctions): string[] {
  const steps = fn.getNodeParameter('steps', {}) as { step?: Array<{ name?: string }> };
  return (steps.step ?? []).map((s) => (s.name ?? '').trim());
}

export class SequencerTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Sequencer Trigger',
    name: 'sequencerTrigger',
    icon: { light: 'file:sequencerTrigger.svg', dark: 'file:sequencerTrigger.dark.svg' },
    group: ['trigger'],
    version: 1,
    subtitle: '={{ $parameter["mode"] === "events" ? $parameter["events"].join(", ") : "steps of " + $parameter["sequenceKey"] }}',
    description: 'Starts the flow when a step of a sequence is due (one output per step) or when an inbox event arrives',
    defaults: { name: 'Sequencer Trigger' },
    inputs: [],
    outputs: `={{(${outputsOf})($parameter)}}`,
    // eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
    credentials: [{ name: 'sequencerDatabase', required: true, testedBy: 'sequencerDatabaseTest' }],
    webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'sequencer' }],
    properties: [
      {
        displayName: 'Mode',
        name: 'mode',
        type: 'options',
        noDataExpression: true,
        default: 'steps',
        options: [
          { name: 'Sequence Steps', value: 'steps', description: "Each due step of a sequence, on the output named after the step" },
          { name: 'Inbox Events', value: 'events', description: 'Replies, accepted invitations, opens, clicks, account status, finished enrollments' },
        ],
      },
      {
        displayName: 'Sequence Key',
        name: 'sequenceKey',
        type: 'string',
        required: true,
        default: '',
        placeholder: 'saas-founders-q3',
        description: 'The sequence whose steps this flow runs',
        displayOptions: { show: { mode: ['steps'] } },
      },
      {
        displayName: 'Steps',
        name: 'steps',
        type: 'fixedCollection',
        typeOptions: { multipleValues: true, sortable: true },
        placeholder: 'Add Step',
        default: { step: [{ name: 'start' }] },
        description: 'The step names the flow handles, each with its own output; other steps go to "Other Steps"',
        displayOptions: { show: { mode: ['steps'] } },
        options: [{ displayName: 'Step', name: 'step', values: [{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'invite' }] }],
      },
      {
        displayName: 'Events',
        name: 'events',
        type: 'multiOptions',
        required: true,
        default: ['message.received'],
        options: INBOX_EVENTS.map((value) => ({ name: EVENT_NAMES[value], value })),
        displayOptions: { show: { mode: ['events'] } },
      },
      {
        displayName: 'Only for Sequence Key',
        name: 'sequenceKey',
        type: 'string',
        default: '',
        description: 'Receive enrollment events only for this sequence (other events are not about a sequence and always arrive)',
        displayOptions: { show: { mode: ['events'] } },
      },
    ],
  };

  methods = {
    credentialTest: databaseCredentialTest,
  };

  webhookMethods = {
    default: {
      /** Registered, with this URL, these events and this sequence? Otherwise `create` (re-)registers it. */
      async checkExists(this: IHookFunctions): Promise<boolean> {
        const registration = this.getWorkflowStaticData('node') as Registration;
        if (!registration.subscriptionId || !registration.secret) return false;
        const ctx = await contextFor(await this.getCredentials('sequencerDatabase'));
        const existing = await getSubscription(ctx.pool, ctx.schema, registration.subscriptionId);
        const wanted = wantedSubscription(this);
        return (
          !!existing &&
          existing.url === this.getNodeWebhookUrl('default') &&
          existing.secret === registration.secret &&
          existing.sequenceKey === wanted.sequenceKey &&
          [...existing.events].sort().join() === [...wanted.events].sort().join()
        );
      },

      async create(this: IHookFunctions): Promise<boolean> {
        const ctx = await contextFor(await this.getCredentials('sequencerDatabase'));
        const secret = randomBytes(32).toString('hex');
        const subscription = await registerSubscription(ctx.pool, ctx.schema, {
          url: this.getNodeWebhookUrl('default')!,
          ...wantedSubscription(this),
          secret,
          description: `n8n: ${this.getWorkflow().name ?? this.getWorkflow().id} / ${this.getNode().name}`,
        });
        Object.assign(this.getWorkflowStaticData('node'), { subscriptionId: subscription.id, secret } satisfies Registration);
        return true;
      },

      async delete(this: IHookFunctions): Promise<boolean> {
        const registration = this.getWorkflowStaticData('node') as Registration;
        if (registration.subscriptionId) {
          const ctx = await contextFor(await this.getCredentials('sequencerDatabase'));
          await unregisterSubscription(ctx.pool, ctx.schema, { id: registration.subscriptionId });
        }
        delete registration.subscriptionId;
        delete registration.secret;
        return true;
      },
    },
  };

  async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
    const { secret } = this.getWorkflowStaticData('node') as Registration;
    const request = this.getRequestObject() as { rawBody?: Buffer };
    const body = this.getBodyData();
    const raw = request.rawBody ?? JSON.stringify(body);
    const check = secret
      ? verifySignature(secret, raw, this.getHeaderData()[SIGNATURE_HEADER.toLowerCase()] as string | undefined)
      : ({ ok: false, message: 'this trigger is not registered: deactivate and activate the workflow again' } as const);
    if (!check.ok) {
      this.getResponseObject().status(401).json({ error: { code: 'unauthorized', message: check.message } });
      return { noWebhookResponse: true };
    }
    const item: INodeExecutionData = { json: body as IDataObject };
    if (this.getNodeParameter('mode') === 'events') return { workflowData: [[item]] };
    // Steps mode: the output named after the step, else "Other Steps" (the last output).
    const names = stepNames(this);
    const outputs: INodeExecutionData[][] = [...names.map(() => []), []];
    const index = body.event === 'sequence.step' ? names.indexOf(String(body.step)) : -1;
    outputs[index >= 0 ? index : names.length].push(item);
    return { workflowData: outputs };
  }
}
