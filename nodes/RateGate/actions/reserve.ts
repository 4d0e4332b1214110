import { type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties, NodeOperationError } from 'n8n-workflow';
import type { Ctx } from '../../../runtime/context';
import { gate, type GateItem } from '../../../runtime/limits/gate';
import { actionSchema, limitRuleSchema, type LimitRule } from '../../../runtime/limits/policy';

/** Reserve: one `gate` call for the batch (runtime/limits/gate.ts); outputs Allowed and Limited. */
const show = { show: { operation: ['reserve'] } };

export const description: INodeProperties[] = [
  {
    displayName: 'Account ID',
    name: 'accountId',
    type: 'string',
    default: '={{ $json.account?.id ?? "" }}',
    description: "The UniPile account that will act. Empty: the account of the item's enrollment.",
    displayOptions: show,
  },
  {
    displayName: 'Action',
    name: 'accountAction',
    type: 'options',
    default: 'invitation',
    // The built-in actions of runtime/limits/policy.ts (BUILT_IN_ACTIONS), then custom.
    options: [
      { name: 'Custom', value: 'custom', description: 'Any other action with its own caps, e.g. post_comment' },
      { name: 'Email', value: 'email' },
      { name: 'InMail', value: 'inmail' },
      { name: 'LinkedIn Invitation', value: 'invitation' },
      { name: 'Message (LinkedIn or Other Chat)', value: 'message' },
      { name: 'Profile View', value: 'profile_view' },
      { name: 'WhatsApp Message', value: 'whatsapp' },
    ],
    description: 'What will be done; each action has its own caps per account',
    displayOptions: show,
  },
  {
    displayName: 'Custom Action',
    name: 'customAction',
    type: 'string',
    default: '',
    placeholder: 'post_comment',
    description: 'A snake_case name; set its caps in the account limits or in the options below',
    displayOptions: { show: { operation: ['reserve'], accountAction: ['custom'] } },
  },
  {
    displayName: 'Enrollment ID',
    name: 'enrollmentId',
    type: 'string',
    default: '={{ $json.enrollment?.id ?? "" }}',
    description: "The enrollment the action is for: its sequence's limits and calendar apply, and a deferral is written on its timeline",
    displayOptions: show,
  },
  {
    displayName: 'Step',
    name: 'step',
    type: 'string',
    default: '={{ $json.step ?? "" }}',
    description: 'The step being sent, for the timeline and the reservation reference',
    displayOptions: show,
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    displayOptions: show,
    options: [
      { displayName: 'Daily Cap', name: 'daily', type: 'number', default: 50, description: 'Per account-local day; -1 for no cap' },
      { displayName: 'Hourly Cap', name: 'hourly', type: 'number', default: 10, description: 'Per rolling hour; -1 for no cap' },
      {
        displayName: 'Ignore Working Hours',
        name: 'ignoreWorkingHours',
        type: 'boolean',
        default: false,
        description: "Whether to allow the action outside the account's (or sequence's) working hours",
      },
      { displayName: 'Jitter (Seconds)', name: 'jitterSeconds', type: 'number', default: 60, description: 'Up to this much more spacing, at random' },
      { displayName: 'Minimum Spacing (Seconds)', name: 'minSpacingSeconds', type: 'number', default: 60, description: 'Gap after the previous action' },
      { displayName: 'Reference', name: 'reference', type: 'string', default: '', description: 'Kept on the ledger row. Default: enrollment:step.' },
      {
        displayName: 'Warm-Up From',
        name: 'warmupFrom',
        type: 'string',
        default: '',
        placeholder: '2026-06-01',
        description: "Day 0 of the warm-up (YYYY-MM-DD); default the account's first action",
      },
      { displayName: 'Warm-Up Increment', name: 'warmupIncrement', type: 'number', default: 5, description: 'Added to the daily cap per day' },
      { displayName: 'Warm-Up Start', name: 'warmupStart', type: 'number', default: 10, description: 'Daily cap on day 0 of a warm-up' },
      { displayName: 'Weekly Cap', name: 'weekly', type: 'number', default: 200, description: 'Per rolling 7 days; -1 for no cap' },
    ],
  },
];

const CAPS = ['hourly', 'daily', 'weekly', 'warmupStart'] as const;
const LIMIT_OPTIONS = [...CAPS, 'minSpacingSeconds', 'jitterSeconds', 'warmupIncrement', 'warmupFrom'] as const;

/** A parameter that cannot be used, with how to fix it. */
interface Problem {
  problem: string;
  description: string;
}

/** Node options → a limit rule; -1 means "no cap". */
function limitsOf(options: IDataObject): LimitRule | undefined | Problem {
  const raw: Record<string, unknown> = {};
  for (const key of LIMIT_OPTIONS) if (options[key] !== undefined && options[key] !== '') raw[key] = options[key];
  for (const key of CAPS) if (raw[key] === -1) raw[key] = null;
  if (Object.keys(raw).length === 0) return undefined;
  const parsed = limitRuleSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return {
    problem: `Option "${issue.path.join('.')}": ${issue.message}`,
    description: 'Caps are whole numbers ≥ 0 (or -1 for no cap), seconds are whole numbers, Warm-Up From is a date YYYY-MM-DD',
  };
}

function gateItemOf(fn: IExecuteFunctions, itemIndex: number): GateItem | Problem {
  const chosen = fn.getNodeParameter('accountAction', itemIndex) as string;
  const action = chosen === 'custom' ? String(fn.getNodeParameter('customAction', itemIndex, '')).trim() : chosen;
  if (!actionSchema.safeParse(action).success) {
    return { problem: `Custom Action "${action}" is not a valid action name`, description: 'Use a snake_case name of 2–40 characters, e.g. "post_comment"' };
  }
  const options = fn.getNodeParameter('options', itemIndex, {}) as IDataObject;
  const limits = limitsOf(options);
  if (limits && 'problem' in limits) return limits;
  const text = (name: string) => String(fn.getNodeParameter(name, itemIndex, '') ?? '').trim() || null;
  return {
    accountId: text('accountId'),
    action,
    enrollmentId: text('enrollmentId'),
    step: text('step'),
    reference: (options.reference as string | undefined) || null,
    ignoreWorkingHours: options.ignoreWorkingHours === true,
    limits,
  };
}

export async function execute(this: IExecuteFunctions, ctx: Ctx, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
  const allowed: INodeExecutionData[] = [];
  const limited: INodeExecutionData[] = [];
  const failed = (itemIndex: number, { problem, description }: Problem) => {
    if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), problem, { itemIndex, description });
    // Never to Allowed: an item that could not be checked must not act.
    limited.push({ json: { ...items[itemIndex].json, error: problem }, pairedItem: { item: itemIndex } });
  };
  const requests: Array<{ itemIndex: number; item: GateItem }> = [];
  items.forEach((_, itemIndex) => {
    const item = gateItemOf(this, itemIndex);
    if ('problem' in item) failed(itemIndex, item);
    else requests.push({ itemIndex, item });
  });
  const outcomes = await gate(
    ctx,
    requests.map((r) => r.item),
  );
  outcomes.forEach((outcome, k) => {
    const { itemIndex } = requests[k];
    const json = items[itemIndex].json;
    if ('error' in outcome) {
      failed(itemIndex, { problem: outcome.error, description: 'Map Account ID or Enrollment ID from the dispatched step (enrollment.id)' });
    } else if (outcome.allowed) {
      allowed.push({ json: { ...json, rateGate: { ...outcome, at: outcome.at.toISOString() } }, pairedItem: { item: itemIndex } });
    } else {
      const retryAt = outcome.retryAt.toISOString();
      // retryAt and reason at the top level: Sequence Step's "schedule at" maps {{ $json.retryAt }}.
      limited.push({ json: { ...json, retryAt, reason: outcome.reason, rateGate: { ...outcome, retryAt } }, pairedItem: { item: itemIndex } });
    }
  });
  return [allowed, limited];
}
