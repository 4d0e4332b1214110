import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';
import type { ProfileLookupRequest } from '../../../../runtime/outbound/profiles';
import { accountField, dispatchOf } from '../common';

/** Profile → Get: runtime `lookupProfiles` (runtime/outbound/profiles.ts), `GET /users/{identifier}`. */
const properties: INodeProperties[] = [
  accountField,
  {
    displayName: 'Profile',
    name: 'profile',
    type: 'string',
    default: '',
    placeholder: 'https://www.linkedin.com/in/jane-doe',
    description:
      'LinkedIn profile URL, public slug or provider ID (or a WhatsApp, Instagram or Telegram ID). Leave empty to look up the contact of the incoming item.',
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add option',
    default: {},
    options: [
      {
        displayName: 'Dry Run',
        name: 'dryRun',
        type: 'boolean',
        default: false,
        description: 'Whether to skip the lookup (no profile visit) and only report what would be looked up',
      },
      {
        displayName: 'LinkedIn Product',
        name: 'linkedinApi',
        type: 'options',
        default: 'classic',
        options: [
          { name: 'Classic', value: 'classic' },
          { name: 'Sales Navigator', value: 'sales_navigator', description: 'Returns the Sales Navigator ID (not stored on the contact)' },
          { name: 'Recruiter', value: 'recruiter', description: 'Returns the Recruiter ID (not stored on the contact)' },
        ],
      },
      {
        displayName: 'Notify',
        name: 'notify',
        type: 'boolean',
        default: false,
        description: 'Whether the person is notified of the profile view',
      },
    ],
  },
];

export const description = updateDisplayOptions({ show: { resource: ['profile'], operation: ['get'] } }, properties);

export function requestOf(this: IExecuteFunctions, i: number): ProfileLookupRequest {
  const options = this.getNodeParameter('options', i, {}) as { linkedinApi?: string; notify?: boolean };
  const dispatch = dispatchOf(this, i);
  const identifier = (this.getNodeParameter('profile', i, '') as string).trim();
  return {
    accountId: ((this.getNodeParameter('accountId', i, '') as string) || dispatch?.accountId || '').trim(),
    identifier: identifier || undefined,
    // The found ids are stored on the item's contact even when the profile is typed in.
    contactId: dispatch?.contactId ?? null,
    identities: dispatch?.identities ?? [],
    linkedinApi: options.linkedinApi === 'sales_navigator' || options.linkedinApi === 'recruiter' ? options.linkedinApi : undefined,
    notify: options.notify || undefined,
  };
}
