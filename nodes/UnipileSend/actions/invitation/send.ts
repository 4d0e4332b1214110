import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import type { Identity } from '../../../../runtime/contacts/identity';
import { linkedinIdentityOf } from '../../../../runtime/outbound/dispatch';
import type { OutboundIntent } from '../../../../runtime/outbound/types';
import { INVITATION_NOTE_MAX } from '../../../../runtime/unipile/client';
import { accountField, baseIntentOf, idempotencyField, manualRecipient, sendOptions } from '../common';

/** Invitation → Send: runtime `sendOutbound` (runtime/outbound/send.ts), `POST /users/invite`. */
const properties: INodeProperties[] = [
  accountField,
  {
    displayName: 'LinkedIn Profile',
    name: 'profile',
    type: 'string',
    default: '',
    placeholder: 'https://www.linkedin.com/in/jane-doe',
    description:
      'Leave empty to invite the contact of the incoming item. Otherwise a profile URL, public slug or provider ID (a slug is resolved to the provider ID just before sending).',
  },
  {
    displayName: 'Note',
    name: 'note',
    type: 'string',
    typeOptions: { rows: 3 },
    default: '',
    description: `Optional message with the invitation, at most ${INVITATION_NOTE_MAX} characters (200 on free LinkedIn accounts)`,
  },
  idempotencyField,
  sendOptions(false),
];

export const description = updateDisplayOptions({ show: { resource: ['invitation'], operation: ['send'] } }, properties);

export async function intentOf(this: IExecuteFunctions, i: number): Promise<OutboundIntent> {
  const manual = manualRecipient(
    this.getNodeParameter('profile', i, '') as string,
    'LinkedIn Profile',
    (raw) => [linkedinIdentityOf(raw)].filter((x): x is Identity => x !== null),
    'a LinkedIn profile URL, slug or provider ID',
  );
  const note = (this.getNodeParameter('note', i, '') as string).trim();
  return { ...baseIntentOf(this, i, manual), content: { operation: 'invitation', note: note || undefined } };
}
