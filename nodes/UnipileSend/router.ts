import { NodeApiError, NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type JsonObject } from 'n8n-workflow';
import { OutboundInputError, type OutboundInputCode } from '../../runtime/outbound/errors';
import { lookupProfiles, type ProfileLookupResult } from '../../runtime/outbound/profiles';
import { sendOutbound } from '../../runtime/outbound/send';
import type { OutboundIntent, OutboundMessage, OutboundResult } from '../../runtime/outbound/types';
import { UnipileError, remedyFor } from '../../runtime/unipile/errors';
import { contextFor } from '../shared/database';
import * as emailSend from './actions/email/send';
import * as invitationSend from './actions/invitation/send';
import * as messageSend from './actions/message/send';
import * as startChat from './actions/message/startChat';
import * as profileGet from './actions/profile/get';
import { clientFor } from './transport';

/**
 * Reads resource and operation once, turns every item into an intent, hands the whole batch to
 * the runtime (one claim statement per batch, bounded concurrency towards UniPile) and shapes
 * one output item per input item, paired with it.
 */
interface SendOperation {
  intentOf(this: IExecuteFunctions, i: number): Promise<OutboundIntent>;
}

const SEND_OPERATIONS: Record<string, Record<string, SendOperation>> = {
  message: { send: messageSend, startChat },
  invitation: { send: invitationSend },
  email: { send: emailSend },
};

const INPUT_REMEDY: Record<OutboundInputCode, string> = {
  invalid_input: 'Fix the field named in the message.',
  missing_identity:
    'Add the missing identity to the contact (LinkedIn profile URL, email address, phone number), enter the recipient in the node, or run Profile → Get first.',
  unknown_account: 'Pick an account from the list: the credential only sees the accounts of its UniPile API key.',
  enrollment_not_found: "Check that the Sequencer Database credential points at the runtime's schema.",
};

/** An output item, or an error with the item to output instead under "continue on fail". */
type Outcome = { json: IDataObject } | { error: NodeOperationError | NodeApiError; errorJson: IDataObject };

export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const items = this.getInputData();
  const resource = this.getNodeParameter('resource', 0) as string;
  const operation = this.getNodeParameter('operation', 0) as string;
  const unipile = clientFor(await this.getCredentials('unipileApi'));
  const ctx = await contextFor(await this.getCredentials('sequencerDatabase'));
  const dryRunOf = (i: number) => unipile.dryRun || Boolean(ctx.dryRun) || Boolean((this.getNodeParameter('options', i, {}) as IDataObject).dryRun);

  const outcomes = new Array<Outcome>(items.length);
  // Items that dry-run and items that send go to the runtime as two batches.
  const batches = new Map<boolean, number[]>();
  const requests = new Map<number, unknown>();
  for (let i = 0; i < items.length; i++) {
    try {
      requests.set(i, resource === 'profile' ? profileGet.requestOf.call(this, i) : await intentOf.call(this, resource, operation, i));
      const dry = dryRunOf(i);
      batches.set(dry, [...(batches.get(dry) ?? []), i]);
    } catch (error) {
      outcomes[i] = failure.call(this, error, i);
    }
  }

  for (const [dryRun, indexes] of batches) {
    if (resource === 'profile') {
      const results = await lookupProfiles(ctx, unipile.client, indexes.map((i) => requests.get(i) as Parameters<typeof lookupProfiles>[2][number]), { dryRun });
      results.forEach((r, k) => (outcomes[indexes[k]] = profileOutcome.call(this, r, indexes[k])));
    } else {
      const results = await sendOutbound(ctx, unipile.client, indexes.map((i) => requests.get(i) as OutboundIntent), { dryRun });
      results.forEach((r, k) => (outcomes[indexes[k]] = sendOutcome.call(this, r, indexes[k])));
    }
  }

  const toErrorOutput = this.getNode().onError === 'continueErrorOutput';
  const out: INodeExecutionData[] = [];
  for (let i = 0; i < items.length; i++) {
    const outcome = outcomes[i];
    if ('json' in outcome) out.push({ json: outcome.json, pairedItem: { item: i } });
    else if (!this.continueOnFail()) throw outcome.error;
    else out.push({ json: toErrorOutput ? errorOutputJson(outcome.errorJson) : outcome.errorJson, pairedItem: { item: i } });
  }
  return [out];
}

/**
 * "On Error → Continue (using error output)": n8n moves an item to the Error output when its JSON holds
 * only `error`, `message` and `details`, and merges it into the input item, so a flow can still route the
 * failure (`details.errorClass`, `details.retryAt`) and read the step it came from. (An item with an
 * `error` object would go there too, but n8n then keeps nothing but the message.)
 */
function errorOutputJson({ error, ...details }: IDataObject): IDataObject {
  return { error, details };
}

async function intentOf(this: IExecuteFunctions, resource: string, operation: string, i: number): Promise<OutboundIntent> {
  const op = SEND_OPERATIONS[resource]?.[operation];
  if (!op) throw new NodeOperationError(this.getNode(), `Unknown operation ${resource}.${operation}`, { itemIndex: i });
  return op.intentOf.call(this, i);
}

function sendOutcome(this: IExecuteFunctions, result: OutboundResult, i: number): Outcome {
  switch (result.outcome) {
    case 'sent':
    case 'dry_run':
    case 'duplicate':
      return { json: { ...messageJson(result.message), duplicate: result.outcome === 'duplicate', dryRun: result.message.status === 'dry_run', skipped: false } };
    case 'skipped':
      return { json: { status: 'skipped', skipped: true, reason: result.reason, enrollmentStatus: result.enrollmentStatus, duplicate: false } };
    case 'failed':
    case 'unknown':
      // After a quota error, `retryAt` (like a Rate Gate "Limited" item's) lets the flow schedule the step again then.
      return failure.call(this, result.error, i, { ...messageJson(result.message), ...(result.retryAt ? { retryAt: result.retryAt.toISOString() } : {}) });
    case 'invalid':
      return failure.call(this, result.error, i);
  }
}

function profileOutcome(this: IExecuteFunctions, result: ProfileLookupResult, i: number): Outcome {
  switch (result.outcome) {
    case 'found': {
      const p = result.profile;
      return {
        json: {
          contactId: result.contactId,
          providerId: p.provider_id,
          publicIdentifier: p.public_identifier ?? null,
          firstName: p.first_name ?? null,
          lastName: p.last_name ?? null,
          headline: p.headline ?? null,
          identifier: result.identifier,
          dryRun: false,
          profile: p as IDataObject,
        },
      };
    }
    case 'dry_run':
      return { json: { contactId: result.contactId, identifier: result.identifier, dryRun: true } };
    case 'failed':
    case 'invalid':
      return failure.call(this, result.error, i);
  }
}

function messageJson(m: OutboundMessage): IDataObject {
  return {
    status: m.status,
    messageId: m.id,
    idempotencyKey: m.idempotencyKey,
    accountId: m.accountId,
    contactId: m.contactId,
    enrollmentId: m.enrollmentId,
    step: m.step,
    channel: m.channel,
    action: m.action,
    providerMessageId: m.providerMessageId,
    providerChatId: m.providerChatId,
    trackingId: m.trackingId,
    invitationId: m.invitationId,
    sentAt: m.sentAt?.toISOString() ?? null,
  };
}

/**
 * The node error for an item (with how to fix it), and what "continue on fail" outputs instead:
 * the message, the reason code or UniPile error class, and the recorded row when there is one.
 */
function failure(this: IExecuteFunctions, error: unknown, itemIndex: number, row: IDataObject = {}): Outcome {
  if (error instanceof OutboundInputError) {
    const description = INPUT_REMEDY[error.code];
    return {
      error: new NodeOperationError(this.getNode(), error.message, { itemIndex, description }),
      errorJson: { ...row, error: error.message, reason: error.code, description },
    };
  }
  if (error instanceof UnipileError) {
    const description = remedyFor(error.class);
    return {
      error: new NodeApiError(this.getNode(), error.toJSON() as JsonObject, {
        itemIndex,
        message: error.message,
        description,
        httpCode: error.status ? String(error.status) : undefined,
      }),
      errorJson: { ...row, error: error.message, errorClass: error.class, errorType: error.type ?? null, httpStatus: error.status ?? null, description },
    };
  }
  const nodeError =
    error instanceof NodeOperationError || error instanceof NodeApiError ? error : new NodeOperationError(this.getNode(), error as Error, { itemIndex });
  return { error: nodeError, errorJson: { ...row, error: nodeError.message } };
}
