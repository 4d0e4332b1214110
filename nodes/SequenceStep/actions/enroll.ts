import { type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties, NodeOperationError } from 'n8n-workflow';
import type { Ctx } from '../../../runtime/context';
import { ensureSequence } from '../../../runtime/sequences/definitions';
import { enroll, type EnrollmentContact } from '../../../runtime/sequences/enroll';
import { groupBy, Output, plain, showFor } from './common';

/** Enroll: items → contacts, one `enroll` call (runtime/sequences/enroll.ts) per sequence and start. */
const show = showFor('enroll');

/** Contact fields read from the item by default, named as the enrolment API names them. */
const CONTACT_FIELDS: Array<{ name: keyof EnrollmentContact; displayName: string; description: string; fallback?: string }> = [
  { name: 'email', displayName: 'Email', description: 'Email address' },
  { name: 'phone', displayName: 'Phone', description: 'Phone in international format, e.g. +33612345678' },
  { name: 'linkedinProviderId', displayName: 'LinkedIn Provider ID', description: 'LinkedIn member id as UniPile gives it (ACoAA…)' },
  { name: 'linkedinPublicId', displayName: 'LinkedIn Profile', description: 'LinkedIn profile slug or URL', fallback: 'linkedinUrl' },
  { name: 'firstName', displayName: 'First Name', description: 'First name' },
  { name: 'lastName', displayName: 'Last Name', description: 'Last name' },
  { name: 'company', displayName: 'Company', description: 'Company name' },
  { name: 'companyDomain', displayName: 'Company Domain', description: 'Company domain, e.g. acme.io (stops by company use it)' },
  { name: 'timezone', displayName: 'Timezone', description: 'IANA zone of the contact, e.g. Europe/Paris (used when the sequence uses contact timezones)' },
];

export const description: INodeProperties[] = [
  {
    displayName: 'Sequence Key',
    name: 'sequenceKey',
    type: 'string',
    required: true,
    default: '',
    placeholder: 'saas-founders-q3',
    description: 'The sequence to enroll into. It must exist, unless Options → Sequence Settings is set (then it is created or updated).',
    displayOptions: show,
  },
  {
    displayName: 'Contact',
    name: 'contact',
    type: 'collection',
    placeholder: 'Map Contact Field',
    default: {},
    description: 'By default each field is read from the item field of the same name; set a field to map it from elsewhere. A contact needs an email, phone, LinkedIn provider ID or profile.',
    displayOptions: show,
    options: CONTACT_FIELDS.map((f) => ({
      displayName: f.displayName,
      name: f.name,
      type: 'string' as const,
      default: '',
      description: `${f.description}. Default: the item field ${f.name}.`,
    })),
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    displayOptions: show,
    options: [
      { displayName: 'Account ID', name: 'accountId', type: 'string', default: '', description: 'The UniPile account the enrollment sends from' },
      {
        displayName: 'Attributes (JSON)',
        name: 'attributes',
        type: 'json',
        default: '{}',
        description: 'Extra facts about the contact, merged into the contact record',
      },
      {
        displayName: 'Re-Enroll Finished Contacts',
        name: 'reenroll',
        type: 'boolean',
        default: false,
        description: 'Whether a contact whose earlier enrollment in this sequence has finished may be enrolled again (a live one never is)',
      },
      { displayName: 'Sequence Name', name: 'sequenceName', type: 'string', default: '', description: 'Creates or renames the sequence' },
      {
        displayName: 'Sequence Settings (JSON)',
        name: 'settings',
        type: 'json',
        default: '{\n  "timezone": "Europe/Paris",\n  "workingDays": [1, 2, 3, 4, 5],\n  "workingHours": { "start": "09:00", "end": "17:00" }\n}',
        description: 'Creates the sequence with these settings, or updates it when they changed (see docs/schema.md for every key)',
      },
      {
        displayName: 'Start At',
        name: 'startAt',
        type: 'dateTime',
        default: '',
        description: 'When the first step may run (at the next working moment from then). Default: now.',
      },
      {
        displayName: 'Start Step',
        name: 'startStep',
        type: 'string',
        default: '',
        description: "The first step's name. Default: the first of the sequence's settings.steps, else \"start\".",
      },
      { displayName: 'Variables (JSON)', name: 'vars', type: 'json', default: '{}', description: 'Per-enrollment variables, sent back with every step' },
    ],
  },
];

interface Intent {
  itemIndex: number;
  sequenceKey: string;
  contact: Record<string, unknown>;
  batch: { accountId?: string; startAt?: string; startStep?: string; reenroll?: boolean; sequenceName?: string; settings?: unknown };
}

function jsonOption(fn: IExecuteFunctions, itemIndex: number, value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = typeof value === 'string' ? safeJson(value) : value;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  throw new NodeOperationError(fn.getNode(), `Option "${name}" must be a JSON object`, { itemIndex, description: 'Write a JSON object, e.g. { "plan": "pro" }' });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function intentOf(fn: IExecuteFunctions, itemIndex: number, item: INodeExecutionData): Intent {
  const mapped = fn.getNodeParameter('contact', itemIndex, {}) as IDataObject;
  const options = fn.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const contact: Record<string, unknown> = {};
  for (const f of CONTACT_FIELDS) {
    const value = mapped[f.name] || item.json[f.name] || (f.fallback ? item.json[f.fallback] : undefined);
    if (value !== undefined && value !== null && value !== '') contact[f.name] = typeof value === 'string' ? value : String(value);
  }
  const attributes = jsonOption(fn, itemIndex, options.attributes, 'Attributes');
  if (attributes && Object.keys(attributes).length) contact.attributes = attributes;
  const vars = jsonOption(fn, itemIndex, options.vars, 'Variables');
  if (vars && Object.keys(vars).length) contact.vars = vars;
  return {
    itemIndex,
    sequenceKey: String(fn.getNodeParameter('sequenceKey', itemIndex)).trim(),
    contact,
    batch: {
      accountId: (options.accountId as string) || undefined,
      startAt: (options.startAt as string) || undefined,
      startStep: (options.startStep as string) || undefined,
      reenroll: options.reenroll === true || undefined,
      sequenceName: (options.sequenceName as string) || undefined,
      settings: jsonOption(fn, itemIndex, options.settings, 'Sequence Settings'),
    },
  };
}

export async function execute(this: IExecuteFunctions, ctx: Ctx, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
  const out = new Output(this);
  const intents = out.readEach(items.length, (i) => intentOf(this, i, items[i])).map((r) => r.value);
  for (const group of groupBy(intents, (i) => JSON.stringify([i.sequenceKey, i.batch]))) {
    const [{ sequenceKey, batch }] = group;
    try {
      if (batch.settings || batch.sequenceName) await ensureSequence(ctx, { key: sequenceKey, name: batch.sequenceName, settings: batch.settings });
      const results = await enroll(ctx, {
        sequenceKey,
        contacts: group.map((i) => i.contact),
        accountId: batch.accountId,
        startAt: batch.startAt,
        startStep: batch.startStep,
        reenroll: batch.reenroll,
      });
      results.forEach(({ index, ...result }) => out.add(group[index].itemIndex, plain({ ...result, sequenceKey })));
    } catch (error) {
      // A refusal of the whole call (unknown sequence, bad settings) concerns every item of the group.
      for (const i of group) out.fail(i.itemIndex, error);
    }
  }
  return out.sorted();
}
