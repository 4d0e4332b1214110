import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { Identity } from '../../../runtime/contacts/identity';
import { dispatchedStepOf, type DispatchedStep } from '../../../runtime/outbound/dispatch';
import { OutboundInputError } from '../../../runtime/outbound/errors';
import type { OutboundIntent } from '../../../runtime/outbound/types';
import type { Attachment } from '../../../runtime/unipile/client';

/** Parameters and per-item reading shared by the operations. */

export const accountField: INodeProperties = {
  displayName: 'Account Name or ID',
  name: 'accountId',
  type: 'options',
  typeOptions: { loadOptionsMethod: 'getAccounts' },
  default: '',
  description:
    'The UniPile account that sends. Leave empty to use the account of the enrollment dispatched by the Sequencer Trigger. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
};

export const idempotencyField: INodeProperties = {
  displayName: 'Idempotency Key',
  name: 'idempotencyKey',
  type: 'string',
  default: '',
  placeholder: 'lead-1234-intro',
  description:
    'Unique per intended send: a repeat with the same key is answered from the first attempt and never sent again. Leave empty for items from the Sequencer Trigger (the key is "&lt;enrollment ID&gt;:&lt;step&gt;"); required otherwise, e.g. an expression over the item’s own ID. Set your own when one step sends twice (e.g. an email and a LinkedIn message).',
};

export function sendOptions(withAttachments: boolean, extra: INodeProperties[] = []): INodeProperties {
  const options: INodeProperties[] = [
    {
      displayName: 'Dry Run',
      name: 'dryRun',
      type: 'boolean',
      default: false,
      description: 'Whether to record everything (status dry_run) without sending anything to UniPile',
    },
  ];
  if (withAttachments) {
    options.unshift({
      displayName: 'Attachments (Binary Properties)',
      name: 'attachments',
      type: 'string',
      default: '',
      placeholder: 'data, invoice',
      description: 'Comma-separated names of the binary properties of the item to attach',
    });
  }
  return { displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add option', default: {}, options: [...options, ...extra] };
}

export interface SendOptionValues {
  dryRun?: boolean;
  attachments?: string;
}

/** What every send intent takes from the item: account, key, and the dispatched enrollment if any. */
export function baseIntentOf(fn: IExecuteFunctions, i: number, manualIdentities: Identity[] | null): Omit<OutboundIntent, 'content'> {
  const dispatch = dispatchOf(fn, i);
  const accountId = ((fn.getNodeParameter('accountId', i, '') as string) || dispatch?.accountId || '').trim();
  const key = (fn.getNodeParameter('idempotencyKey', i, '') as string).trim() || (dispatch ? `${dispatch.enrollmentId}:${dispatch.step}` : '');
  return {
    accountId,
    idempotencyKey: key,
    enrollmentId: dispatch?.enrollmentId ?? null,
    step: dispatch?.step ?? null,
    // A recipient entered in the node replaces the dispatched contact; the identity graph finds theirs.
    contactId: manualIdentities ? null : (dispatch?.contactId ?? null),
    identities: manualIdentities ?? dispatch?.identities ?? [],
    recipientName: dispatch && !manualIdentities ? nameOf(dispatch) : undefined,
  };
}

export function dispatchOf(fn: IExecuteFunctions, i: number): DispatchedStep | null {
  return dispatchedStepOf(fn.getInputData()[i]?.json);
}

function nameOf(d: DispatchedStep): string | undefined {
  return d.contactName.fullName || [d.contactName.firstName, d.contactName.lastName].filter(Boolean).join(' ') || undefined;
}

/** A recipient typed into the node as identities, or null when the field is empty (use the contact). */
export function manualRecipient(value: string, field: string, parse: (raw: string) => Identity[], expected: string): Identity[] | null {
  if (!value.trim()) return null;
  const identities = parse(value);
  if (identities.length === 0) throw new OutboundInputError('invalid_input', `${field}: ${JSON.stringify(value)} is not ${expected}`);
  return identities;
}

/** The item's binary properties named in Options → Attachments. */
export async function attachmentsOf(fn: IExecuteFunctions, i: number, names: string | undefined): Promise<Attachment[] | undefined> {
  const properties = (names ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (properties.length === 0) return undefined;
  return Promise.all(
    properties.map(async (property) => {
      const binary = fn.helpers.assertBinaryData(i, property);
      return {
        name: binary.fileName ?? property,
        mimeType: binary.mimeType,
        data: await fn.helpers.getBinaryDataBuffer(i, property),
      };
    }),
  );
}
