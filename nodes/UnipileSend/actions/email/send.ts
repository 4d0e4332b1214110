import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import { normalizedIdentities } from '../../../../runtime/outbound/dispatch';
import { OutboundInputError } from '../../../../runtime/outbound/errors';
import type { OutboundIntent } from '../../../../runtime/outbound/types';
import type { EmailAddress } from '../../../../runtime/unipile/client';
import { accountField, attachmentsOf, baseIntentOf, idempotencyField, manualRecipient, sendOptions, type SendOptionValues } from '../common';

/** Email → Send: runtime `sendOutbound` (runtime/outbound/send.ts), `POST /emails`. */
const properties: INodeProperties[] = [
  accountField,
  {
    displayName: 'To',
    name: 'to',
    type: 'string',
    default: '',
    placeholder: 'jane@acme.com',
    description: 'Leave empty to write to the email address of the contact of the incoming item',
  },
  {
    displayName: 'Subject',
    name: 'subject',
    type: 'string',
    default: '',
    description: 'Required for a new email. When replying in thread and left empty: "Re: " and the earlier subject.',
  },
  {
    displayName: 'Body (HTML)',
    name: 'body',
    type: 'string',
    typeOptions: { rows: 6 },
    default: '',
    required: true,
  },
  {
    displayName: 'Reply in Thread',
    name: 'replyInThread',
    type: 'boolean',
    default: false,
    description: 'Whether to answer an earlier email so that the message stays in its thread',
  },
  {
    displayName: 'Reply to Email ID',
    name: 'replyTo',
    type: 'string',
    default: '',
    displayOptions: { show: { replyInThread: [true] } },
    description: 'UniPile ID of the email to answer. Leave empty to answer the latest email with the contact on this account.',
  },
  {
    displayName: 'Track Opens',
    name: 'trackOpens',
    type: 'boolean',
    default: true,
    description: 'Whether UniPile adds an open-tracking pixel (mail_opened webhooks)',
  },
  {
    displayName: 'Track Link Clicks',
    name: 'trackClicks',
    type: 'boolean',
    default: true,
    description: 'Whether UniPile rewrites links to track clicks (mail_link_clicked webhooks)',
  },
  idempotencyField,
  sendOptions(true, [
      { displayName: 'CC', name: 'cc', type: 'string', default: '', description: 'Comma-separated email addresses' },
      { displayName: 'BCC', name: 'bcc', type: 'string', default: '', description: 'Comma-separated email addresses' },
      { displayName: 'From (Alias)', name: 'from', type: 'string', default: '', placeholder: 'sales@us.com', description: 'An alias of the account to send as' },
      { displayName: 'From Name', name: 'fromName', type: 'string', default: '' },
      { displayName: 'Recipient Name', name: 'toName', type: 'string', default: '', description: 'Display name of the recipient; default: the contact’s name' },
      { displayName: 'Tracking Label', name: 'trackingLabel', type: 'string', default: '', description: 'Comes back on open and click webhooks' },
  ]),
];

export const description = updateDisplayOptions({ show: { resource: ['email'], operation: ['send'] } }, properties);

interface EmailOptionValues extends SendOptionValues {
  cc?: string;
  bcc?: string;
  from?: string;
  fromName?: string;
  toName?: string;
  trackingLabel?: string;
}

export async function intentOf(this: IExecuteFunctions, i: number): Promise<OutboundIntent> {
  const options = this.getNodeParameter('options', i, {}) as EmailOptionValues;
  const manual = manualRecipient(this.getNodeParameter('to', i, '') as string, 'To', (raw) => normalizedIdentities([['email', raw]]), 'an email address');
  const base = baseIntentOf(this, i, manual);
  const trackOpens = this.getNodeParameter('trackOpens', i, true) as boolean;
  const trackClicks = this.getNodeParameter('trackClicks', i, true) as boolean;
  const replyInThread = this.getNodeParameter('replyInThread', i, false) as boolean;
  const subject = (this.getNodeParameter('subject', i, '') as string).trim();
  if (!subject && !replyInThread) throw new OutboundInputError('invalid_input', 'Subject is empty: write a subject (only replies in thread may leave it empty)');
  return {
    ...base,
    recipientName: options.toName?.trim() || base.recipientName,
    content: {
      operation: 'email',
      subject: subject || undefined,
      html: this.getNodeParameter('body', i) as string,
      replyInThread,
      replyTo: replyInThread ? (this.getNodeParameter('replyTo', i, '') as string).trim() || undefined : undefined,
      tracking:
        trackOpens || trackClicks || options.trackingLabel
          ? { opens: trackOpens, links: trackClicks, ...(options.trackingLabel ? { label: options.trackingLabel } : {}) }
          : undefined,
      cc: addresses(options.cc, 'CC'),
      bcc: addresses(options.bcc, 'BCC'),
      from: options.from?.trim() ? { identifier: addresses(options.from, 'From (Alias)')![0].identifier, displayName: options.fromName?.trim() || undefined } : undefined,
      attachments: await attachmentsOf(this, i, options.attachments),
    },
  };
}

function addresses(list: string | undefined, field: string): EmailAddress[] | undefined {
  const raw = (list ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (raw.length === 0) return undefined;
  return raw.map((a) => {
    const [identity] = normalizedIdentities([['email', a]]);
    if (!identity) throw new OutboundInputError('invalid_input', `${field}: ${JSON.stringify(a)} is not an email address`);
    return { identifier: identity.value };
  });
}
