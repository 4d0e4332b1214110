import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import type { OutboundIntent } from '../../../../runtime/outbound/types';
import { accountField, attachmentsOf, baseIntentOf, idempotencyField, sendOptions, type SendOptionValues } from '../common';

/** Message → Send in Chat: runtime `sendOutbound` (runtime/outbound/send.ts), `POST /chats/{id}/messages`. */
const properties: INodeProperties[] = [
  accountField,
  {
    displayName: 'Chat ID',
    name: 'chatId',
    type: 'string',
    default: '',
    description:
      'The UniPile chat to write in. Leave empty to use the latest chat with the contact of the incoming item on this account (opened by Start Chat, an accepted invitation or a reply).',
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

export const description = updateDisplayOptions({ show: { resource: ['message'], operation: ['send'] } }, properties);

export async function intentOf(this: IExecuteFunctions, i: number): Promise<OutboundIntent> {
  const options = this.getNodeParameter('options', i, {}) as SendOptionValues;
  return {
    ...baseIntentOf(this, i, null),
    content: {
      operation: 'message',
      chatId: (this.getNodeParameter('chatId', i, '') as string).trim() || undefined,
      text: this.getNodeParameter('text', i) as string,
      attachments: await attachmentsOf(this, i, options.attachments),
    },
  };
}
