import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import type { Identity } from '../../../../runtime/contacts/identity';
import { linkedinIdentityOf, normalizedIdentities } from '../../../../runtime/outbound/dispatch';
import type { ChatChannel, OutboundIntent } from '../../../../runtime/outbound/types';
import { accountField, attachmentsOf, baseIntentOf, idempotencyField, manualRecipient, sendOptions, type SendOptionValues } from '../common';

/** Message → Start Chat: runtime `sendOutbound` (runtime/outbound/send.ts), `POST /chats`. */
const properties: INodeProperties[] = [
  accountField,
  {
    displayName: 'Channel',
    name: 'channel',
    type: 'options',
    default: 'linkedin',
    options: [
      { name: 'LinkedIn', value: 'linkedin' },
      { name: 'WhatsApp', value: 'whatsapp' },
      { name: 'Instagram', value: 'instagram' },
      { name: 'Telegram', value: 'telegram' },
    ],
  },
  {
    displayName: 'LinkedIn Product',
    name: 'linkedinApi',
    type: 'options',
    default: 'classic',
    displayOptions: { show: { channel: ['linkedin'] } },
    options: [
      { name: 'Classic', value: 'classic', description: 'A message to a 1st-degree connection (or an InMail)' },
      { name: 'Sales Navigator', value: 'sales_navigator', description: 'Must match the account’s subscription' },
    ],
  },
  {
    displayName: 'InMail',
    name: 'inmail',
    type: 'boolean',
    default: false,
    displayOptions: { show: { channel: ['linkedin'] } },
    description: 'Whether to send an InMail (uses credits; reaches people outside the network)',
  },
  {
    displayName: 'Subject',
    name: 'subject',
    type: 'string',
    default: '',
    displayOptions: { show: { channel: ['linkedin'], inmail: [true] } },
  },
  {
    displayName: 'Recipient',
    name: 'recipient',
    type: 'string',
    default: '',
    placeholder: 'https://www.linkedin.com/in/jane-doe',
    description:
      'Leave empty to write to the contact of the incoming item. Otherwise: LinkedIn profile URL, slug or provider ID; WhatsApp phone number (E.164); Instagram or Telegram ID.',
  },
  {
    displayName: 'Text',
    name: 'text',
    type: 'string',
    typeOptions: { rows: 4 },
    default: '',
    required: true,
  },
  idempotencyField,
  sendOptions(true),
];

export const description = updateDisplayOptions({ show: { resource: ['message'], operation: ['startChat'] } }, properties);

const RECIPIENT_OF: Record<ChatChannel, { parse: (raw: string) => Identity[]; expected: string }> = {
  linkedin: { parse: (raw) => [linkedinIdentityOf(raw)].filter((i): i is Identity => i !== null), expected: 'a LinkedIn profile URL, slug or provider ID' },
  whatsapp: { parse: (raw) => normalizedIdentities([['whatsapp', raw]]), expected: 'a phone number such as +33612345678' },
  instagram: { parse: (raw) => normalizedIdentities([['instagram', raw]]), expected: 'an Instagram ID' },
  telegram: { parse: (raw) => normalizedIdentities([['telegram', raw]]), expected: 'a Telegram ID' },
};

export async function intentOf(this: IExecuteFunctions, i: number): Promise<OutboundIntent> {
  const channel = this.getNodeParameter('channel', i) as ChatChannel;
  const linkedin = channel === 'linkedin';
  const inmail = linkedin && (this.getNodeParameter('inmail', i, false) as boolean);
  const options = this.getNodeParameter('options', i, {}) as SendOptionValues;
  const { parse, expected } = RECIPIENT_OF[channel];
  const manual = manualRecipient(this.getNodeParameter('recipient', i, '') as string, 'Recipient', parse, expected);
  return {
    ...baseIntentOf(this, i, manual),
    content: {
      operation: 'start_chat',
      channel,
      linkedinApi: linkedin ? (this.getNodeParameter('linkedinApi', i, 'classic') as 'classic' | 'sales_navigator') : undefined,
      inmail,
      subject: inmail ? (this.getNodeParameter('subject', i, '') as string) || undefined : undefined,
      text: this.getNodeParameter('text', i) as string,
      attachments: await attachmentsOf(this, i, options.attachments),
    },
  };
}
