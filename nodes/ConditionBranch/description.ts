import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { DAY_OPERATORS, FIELD_OPERATORS, IDENTITY_GROUPS, REPLY_SCOPES } from '../../runtime/conditions/schema';
import { DEFAULT_CATEGORIES } from '../../runtime/classify/taxonomy';

/** The fields of one condition, shared by the Conditions mode and every rule of the Rules mode. */
const EVENT_TYPES = ['replied', 'invitation_accepted', 'email_opened', 'link_clicked', 'bounced', 'unsubscribed', 'classified_as'];
const when = (type: string[], more: Record<string, string[]> = {}) => ({ show: { type, ...more } });

const OPERATOR_NAMES: Record<(typeof FIELD_OPERATORS)[number], string> = {
  equals: 'Equals',
  notEquals: 'Does Not Equal',
  contains: 'Contains',
  notContains: 'Does Not Contain',
  startsWith: 'Starts With',
  gt: 'Is Greater Than',
  gte: 'Is Greater Than or Equal',
  lt: 'Is Less Than',
  lte: 'Is Less Than or Equal',
  exists: 'Exists',
  notExists: 'Does Not Exist',
  in: 'Is One Of (Comma-Separated)',
};

const IDENTITY_NAMES: Record<(typeof IDENTITY_GROUPS)[number], string> = {
  email: 'Email',
  linkedin: 'LinkedIn',
  phone: 'Phone (or WhatsApp Number)',
  whatsapp: 'WhatsApp (or Phone Number)',
  instagram: 'Instagram',
  telegram: 'Telegram',
  messenger: 'Messenger',
  twitter: 'X (Twitter)',
};

export const conditionFields: INodeProperties[] = [
  {
    displayName: 'Condition',
    name: 'type',
    type: 'options',
    default: 'replied',
    options: [
      { name: 'Bounced', value: 'bounced', description: 'An email to the contact bounced' },
      { name: 'Days Since', value: 'days_since', description: 'Days since the enrollment started or since the contact was last written to' },
      { name: 'Email Opened', value: 'email_opened' },
      { name: 'Field Comparison', value: 'field', description: 'An enrollment field or a contact attribute compared to a value' },
      { name: 'Has Identity', value: 'has_identity', description: 'The contact can be reached on a channel' },
      { name: 'Invitation Accepted', value: 'invitation_accepted' },
      { name: 'Latest Reply Classified As', value: 'classified_as', description: 'The latest reply (any channel) has one of these AI Classify categories' },
      { name: 'Link Clicked', value: 'link_clicked' },
      { name: 'Replied', value: 'replied', description: 'In this conversation, on any channel, or anyone at the company' },
      { name: 'Unsubscribed or Do-Not-Contact', value: 'unsubscribed' },
    ],
  },
  {
    displayName: 'Negate',
    name: 'negate',
    type: 'boolean',
    default: false,
    description: 'Whether to match when the condition is NOT met (e.g. "has not replied")',
  },
  {
    displayName: 'Scope',
    name: 'scope',
    type: 'options',
    default: 'contact',
    options: REPLY_SCOPES.map((value) => ({
      name: { conversation: 'This Conversation', contact: 'The Contact, Any Channel', company: 'Anyone at the Company' }[value],
      value,
    })),
    description: 'This conversation: the ones the enrollment wrote in (or Conversation ID). Company: the same company domain.',
    displayOptions: when(['replied']),
  },
  {
    displayName: 'Since',
    name: 'since',
    type: 'options',
    default: 'ever',
    options: [
      { name: 'Ever', value: 'ever' },
      { name: 'Enrollment Started', value: 'enrollment' },
      { name: 'A Step Went Out', value: 'step' },
      { name: 'Within the Last N Days', value: 'days' },
    ],
    displayOptions: when(EVENT_TYPES),
  },
  { displayName: 'Step', name: 'sinceStep', type: 'string', default: '', placeholder: 'invite', displayOptions: when(EVENT_TYPES, { since: ['step'] }) },
  { displayName: 'Days', name: 'sinceDays', type: 'number', default: 7, typeOptions: { minValue: 0 }, displayOptions: when(EVENT_TYPES, { since: ['days'] }) },
  {
    displayName: 'Accepted Within (Days of Sending)',
    name: 'acceptedWithinDays',
    type: 'number',
    default: 0,
    typeOptions: { minValue: 0 },
    description: 'Only invitations accepted within this many days of being sent; 0 for any time',
    displayOptions: when(['invitation_accepted']),
  },
  {
    displayName: 'URL Pattern',
    name: 'urlPattern',
    type: 'string',
    default: '',
    placeholder: '*calendly.com/*',
    description: 'Only clicks on matching links: a part of the URL, or a pattern with *. Empty for any link.',
    displayOptions: when(['link_clicked']),
  },
  {
    displayName: 'Categories',
    name: 'categories',
    type: 'string',
    default: 'interested',
    placeholder: 'interested, meeting_request',
    description: `Comma-separated AI Classify categories: ${DEFAULT_CATEGORIES.map((c) => c.key).join(', ')} or your own`,
    displayOptions: when(['classified_as']),
  },
  {
    displayName: 'Identity',
    name: 'identityKinds',
    type: 'multiOptions',
    default: ['email'],
    options: IDENTITY_GROUPS.map((value) => ({ name: IDENTITY_NAMES[value], value })),
    description: 'Matches when the contact has any of these',
    displayOptions: when(['has_identity']),
  },
  {
    displayName: 'Field Of',
    name: 'fieldSource',
    type: 'options',
    default: 'contact',
    options: [
      { name: 'Contact', value: 'contact', description: 'Columns (title, company, company_domain, timezone…) or attributes.&lt;key&gt;' },
      { name: 'Enrollment', value: 'enrollment', description: 'Columns (status, current_step, account_id…) or vars.&lt;key&gt;' },
    ],
    displayOptions: when(['field']),
  },
  {
    displayName: 'Field',
    name: 'fieldName',
    type: 'string',
    default: '',
    placeholder: 'attributes.industry',
    description: "A column, or a key of the contact's attributes / the enrollment's vars (a dotted path works)",
    displayOptions: when(['field']),
  },
  {
    displayName: 'Operator',
    name: 'fieldOperator',
    type: 'options',
    default: 'equals',
    options: FIELD_OPERATORS.map((value) => ({ name: OPERATOR_NAMES[value], value })),
    displayOptions: when(['field']),
  },
  {
    displayName: 'Value',
    name: 'fieldValue',
    type: 'string',
    default: '',
    description: 'Text compares case-insensitively; numbers and dates compare as such',
    displayOptions: { show: { type: ['field'] }, hide: { fieldOperator: ['exists', 'notExists'] } },
  },
  {
    displayName: 'Days Since',
    name: 'daysFrom',
    type: 'options',
    default: 'last_touch',
    options: [
      { name: 'Enrolled', value: 'enrolled' },
      { name: 'Last Touch (Last Message to the Contact)', value: 'last_touch' },
    ],
    displayOptions: when(['days_since']),
  },
  {
    displayName: 'Comparison',
    name: 'daysOperator',
    type: 'options',
    default: 'gte',
    options: DAY_OPERATORS.map((value) => ({ name: OPERATOR_NAMES[value], value })),
    displayOptions: when(['days_since']),
  },
  { displayName: 'Days', name: 'days', type: 'number', default: 3, typeOptions: { minValue: 0 }, displayOptions: when(['days_since']) },
];

const combinator = (description: string): INodeProperties => ({
  displayName: 'Combine',
  name: 'combinator',
  type: 'options',
  default: 'all',
  options: [
    { name: 'All Conditions Must Match (AND)', value: 'all' },
    { name: 'Any Condition May Match (OR)', value: 'any' },
  ],
  description,
});

const conditionList: INodeProperties = {
  displayName: 'Conditions',
  name: 'conditions',
  type: 'fixedCollection',
  typeOptions: { multipleValues: true, sortable: true },
  placeholder: 'Add Condition',
  default: {},
  options: [{ name: 'condition', displayName: 'Condition', values: conditionFields }],
};

const conditionsMode = { show: { mode: ['conditions'] } };
const rulesMode = { show: { mode: ['rules'] } };

/**
 * What the subject parameters' default expressions (below) read from the item, in TypeScript: while a
 * parameter keeps its default, the item is read with this instead of evaluating the expression per
 * item. test/nodes/condition-branch.test.ts checks both read the same.
 */
const idOf = (value: unknown) => (value as IDataObject | null | undefined)?.id;
export const SUBJECT_FROM_ITEM = {
  enrollmentId: (json: IDataObject) => idOf(json.enrollment) ?? '',
  contactId: (json: IDataObject) => idOf(json.contact) ?? json.contactId ?? '',
  conversationId: (json: IDataObject) => idOf(json.conversation) ?? json.conversationId ?? '',
};

export const properties: INodeProperties[] = [
  {
    displayName: 'Mode',
    name: 'mode',
    type: 'options',
    noDataExpression: true,
    default: 'conditions',
    options: [
      { name: 'Conditions', value: 'conditions', description: 'Two outputs: true and false' },
      { name: 'Rules', value: 'rules', description: 'One named output per rule; the first matching rule wins (like Switch)' },
    ],
  },
  {
    displayName: 'Enrollment ID',
    name: 'enrollmentId',
    type: 'string',
    default: '={{ $json.enrollment?.id ?? "" }}',
    description: 'The enrollment the conditions are about (a dispatched step carries enrollment.ID); its contact is used',
  },
  {
    displayName: 'Contact ID',
    name: 'contactId',
    type: 'string',
    default: '={{ $json.contact?.id ?? $json.contactId ?? "" }}',
    description: 'The Sequencer contact, when there is no enrollment',
  },
  {
    displayName: 'Conversation ID',
    name: 'conversationId',
    type: 'string',
    default: '={{ $json.conversation?.id ?? $json.conversationId ?? "" }}',
    description: 'For "replied in this conversation": a Sequencer conversation ID besides those the enrollment wrote in',
  },
  { ...combinator('Whether every condition or just one must match'), displayOptions: conditionsMode },
  { ...conditionList, displayOptions: conditionsMode },
  {
    displayName: 'Rules',
    name: 'rules',
    type: 'fixedCollection',
    typeOptions: { multipleValues: true, sortable: true },
    placeholder: 'Add Rule',
    default: {},
    displayOptions: rulesMode,
    options: [
      {
        name: 'rule',
        displayName: 'Rule',
        values: [
          {
            displayName: 'Output Name',
            name: 'outputName',
            type: 'string',
            default: '',
            placeholder: 'accepted',
            description: 'The name of the output this rule sends items to',
          },
          combinator('Whether every condition of the rule or just one must match'),
          conditionList,
        ],
      },
    ],
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    options: [
      {
        displayName: 'Fallback Output',
        name: 'fallbackOutput',
        type: 'options',
        default: 'extra',
        options: [
          { name: 'Extra Output', value: 'extra', description: 'Items no rule matched go to an output of their own' },
          { name: 'None (Drop Items)', value: 'none', description: 'Items no rule matched are not passed on, as in Switch' },
        ],
        displayOptions: { show: { '/mode': ['rules'] } },
      },
      {
        displayName: 'Fallback Output Name',
        name: 'renameFallbackOutput',
        type: 'string',
        default: 'Fallback',
        placeholder: 'neither',
        displayOptions: { show: { '/mode': ['rules'] } },
      },
      {
        displayName: 'Put Result In Field',
        name: 'resultField',
        type: 'string',
        default: 'branch',
        description: 'Each item gets the output it took and the conditions that matched, with their evidence, in this field',
      },
    ],
  },
];
