import { type IExecuteFunctions, type INodeExecutionData, type INodeProperties, NodeOperationError } from 'n8n-workflow';
import type { Ctx } from '../../../runtime/context';
import { withTransaction } from '../../../runtime/db/pool';
import { delaySchema, type Delay } from '../../../runtime/sequences/delay';
import { scheduleSteps, type ScheduleRequest, type ScheduleResult } from '../../../runtime/sequences/scheduler';
import { WAKE_EVENTS, type WakeEvent } from '../../../runtime/sequences/steps';
import { enrollmentIdField, enrollmentIdOf, Output, plain, showFor } from './common';

/**
 * Schedule Next Step (a delay, a local time, or the sequence's default for the step) and Schedule At
 * (an instant, e.g. the Rate Gate's retryAt): one `scheduleSteps` transaction for the batch
 * (runtime/sequences/scheduler.ts).
 */
const next = showFor('scheduleNext');
const at = showFor('scheduleAt');

const WAKE_EVENT_NAMES: Record<WakeEvent, string> = {
  invitation_accepted: 'Invitation Accepted',
  email_opened: 'Email Opened',
  link_clicked: 'Link Clicked',
  reply: 'Reply (Message Received)',
};

const wakeOnField = (operation: 'scheduleNext' | 'scheduleAt'): INodeProperties => ({
  displayName: 'Wake On',
  name: 'wakeOn',
  type: 'multiOptions',
  default: [],
  options: WAKE_EVENTS.map((value) => ({ name: WAKE_EVENT_NAMES[value], value })),
  description: 'Events that make the step due at once instead of waiting (the step then carries wokeBy)',
  displayOptions: showFor(operation),
});

export const description: INodeProperties[] = [
  enrollmentIdField('scheduleNext', 'scheduleAt'),
  {
    displayName: 'Step',
    name: 'step',
    type: 'string',
    required: true,
    default: '',
    placeholder: 'followup_1',
    description: 'The name of the step to run next: the Sequencer Trigger output of the same name receives it',
    displayOptions: next,
  },
  {
    displayName: 'Step',
    name: 'step',
    type: 'string',
    required: true,
    default: '={{ $json.step }}',
    description: 'The step to run at that time. Default: the step of the item (e.g. the one the Rate Gate deferred).',
    displayOptions: at,
  },
  {
    displayName: 'Timing',
    name: 'timing',
    type: 'options',
    default: 'delay',
    options: [
      { name: 'After a Delay', value: 'delay', description: 'Minutes and hours count working time only; days choose the day' },
      { name: 'At a Local Time', value: 'localTime', description: 'The next working day at HH:MM in the sequence (or contact) timezone' },
      { name: 'Sequence Default', value: 'sequenceDefault', description: "The step's delay in the sequence's settings.steps" },
    ],
    displayOptions: next,
  },
  {
    displayName: 'Amount',
    name: 'amount',
    type: 'number',
    typeOptions: { minValue: 0 },
    default: 2,
    displayOptions: { show: { operation: ['scheduleNext'], timing: ['delay'] } },
  },
  {
    displayName: 'Unit',
    name: 'unit',
    type: 'options',
    default: 'business_days',
    options: [
      { name: 'Business Days', value: 'business_days', description: 'The N-th next working day (holidays skipped)' },
      { name: 'Days', value: 'days', description: 'N calendar days later, rolled forward to a working day' },
      { name: 'Hours', value: 'hours', description: 'Working hours only' },
      { name: 'Minutes', value: 'minutes', description: 'Working minutes only' },
    ],
    displayOptions: { show: { operation: ['scheduleNext'], timing: ['delay'] } },
  },
  {
    displayName: 'Local Time',
    name: 'time',
    type: 'string',
    default: '10:00',
    placeholder: '10:00',
    description: 'HH:MM, 24-hour, inside the working window',
    displayOptions: { show: { operation: ['scheduleNext'], timing: ['localTime'] } },
  },
  wakeOnField('scheduleNext'),
  {
    displayName: 'Run At',
    name: 'runAt',
    type: 'dateTime',
    required: true,
    default: '={{ $json.retryAt }}',
    description: 'Not before this moment. Default: the retryAt of a Rate Gate "Limited" item.',
    displayOptions: at,
  },
  {
    displayName: 'Keep in Working Hours',
    name: 'keepInWorkingHours',
    type: 'boolean',
    default: true,
    description: 'Whether to move the time to the next working moment (with jitter) when it falls outside the working window',
    displayOptions: at,
  },
  wakeOnField('scheduleAt'),
  {
    displayName: 'Jitter',
    name: 'jitter',
    type: 'boolean',
    default: true,
    description: "Whether to add the sequence's jitter (deterministic per enrollment and step)",
    displayOptions: next,
  },
];

function delayOf(fn: IExecuteFunctions, itemIndex: number): Delay | undefined {
  const timing = fn.getNodeParameter('timing', itemIndex) as string;
  if (timing === 'sequenceDefault') return undefined;
  const raw = timing === 'localTime' ? { unit: 'at', time: String(fn.getNodeParameter('time', itemIndex)).trim() } : { unit: fn.getNodeParameter('unit', itemIndex), amount: fn.getNodeParameter('amount', itemIndex) };
  const parsed = delaySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new NodeOperationError(fn.getNode(), `${timing === 'localTime' ? 'Local Time' : 'Amount'}: ${parsed.error.issues[0].message}`, {
    itemIndex,
    description: timing === 'localTime' ? 'Write a 24-hour time such as 10:30' : 'Use a number ≥ 0 (whole for days)',
  });
}

function requestOf(fn: IExecuteFunctions, operation: 'scheduleNext' | 'scheduleAt', itemIndex: number): ScheduleRequest {
  const enrollmentId = enrollmentIdOf(fn, itemIndex);
  const step = String(fn.getNodeParameter('step', itemIndex, '') ?? '').trim();
  if (!step) throw new NodeOperationError(fn.getNode(), 'Step is empty', { itemIndex, description: 'Name the step to run, e.g. followup_1' });
  const wakeOn = fn.getNodeParameter('wakeOn', itemIndex, []) as WakeEvent[];
  if (operation === 'scheduleNext') {
    return { enrollmentId, step, delay: delayOf(fn, itemIndex), wakeOn: wakeOn.length ? wakeOn : undefined, jitter: fn.getNodeParameter('jitter', itemIndex, true) as boolean };
  }
  const when = new Date(String(fn.getNodeParameter('runAt', itemIndex, '') ?? ''));
  if (Number.isNaN(when.getTime())) {
    throw new NodeOperationError(fn.getNode(), 'Run At is not a date-time', { itemIndex, description: 'Map an ISO date-time, e.g. {{ $json.retryAt }} from the Rate Gate' });
  }
  const keep = fn.getNodeParameter('keepInWorkingHours', itemIndex, true) as boolean;
  return { enrollmentId, step, ...(keep ? { at: when } : { runAt: when }), wakeOn: wakeOn.length ? wakeOn : undefined };
}

function hintFor(result: ScheduleResult): string {
  return result.outcome === 'not_found'
    ? 'Map Enrollment ID from the dispatched step: {{ $json.enrollment.id }}'
    : "Give a delay (or a local time inside the working window), or list the step with its delay in the sequence's settings.steps";
}

export function executeFor(operation: 'scheduleNext' | 'scheduleAt') {
  return async function (this: IExecuteFunctions, ctx: Ctx, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
    const out = new Output(this);
    const requests = out.readEach(items.length, (i) => requestOf(this, operation, i));
    const results = await withTransaction(ctx.pool, async (tx) => {
      const scheduled = await scheduleSteps(
        ctx,
        tx,
        requests.map((r) => r.value),
      );
      // Without "continue on fail" one bad item rolls the whole batch back (thrown inside the transaction).
      const refused = scheduled.findIndex((r) => r.outcome === 'not_found' || r.outcome === 'invalid');
      if (refused >= 0 && !this.continueOnFail()) out.fail(requests[refused].itemIndex, new Error(scheduled[refused].message), hintFor(scheduled[refused]));
      return scheduled;
    });
    results.forEach((result, k) => {
      const { itemIndex } = requests[k];
      if (result.outcome === 'not_found' || result.outcome === 'invalid') out.fail(itemIndex, new Error(result.message), hintFor(result));
      else out.add(itemIndex, plain(result));
    });
    return out.sorted();
  };
}
