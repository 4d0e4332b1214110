import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { Ctx } from '../../../runtime/context';
import { changeEnrollments, getEnrollments, type EnrollmentChange } from '../../../runtime/sequences/enrollments';
import { SequencerError } from '../../../runtime/sequences/errors';
import type { ReasonCode } from '../../../runtime/sequences/reasons';
import { enrollmentIdField, enrollmentIdOf, groupBy, Output, plain, showFor } from './common';

/**
 * Complete, Stop, Pause, Resume (`changeEnrollments`, one transaction per distinct reason/until) and
 * Get (`getEnrollments`, one read for the batch) — runtime/sequences/enrollments.ts.
 */
const STOP_REASONS: Array<{ name: string; value: ReasonCode }> = [
  { name: 'Manual', value: 'manual' },
  { name: 'Meeting Booked', value: 'meeting_booked' },
  { name: 'Replied', value: 'replied' },
  { name: 'Unsubscribed', value: 'unsubscribed' },
  { name: 'Do Not Contact', value: 'do_not_contact' },
  { name: 'Bounced', value: 'bounced' },
  { name: 'Recipient Unreachable', value: 'recipient_unreachable' },
  { name: 'Missing Identity', value: 'missing_identity' },
  { name: 'Send Failed', value: 'send_failed' },
];

const PAUSE_REASONS: Array<{ name: string; value: ReasonCode }> = [
  { name: 'Manual', value: 'manual' },
  { name: 'Out of Office', value: 'out_of_office' },
  { name: 'Account Disconnected', value: 'account_disconnected' },
];

export const description: INodeProperties[] = [
  enrollmentIdField('complete', 'stop', 'pause', 'resume', 'get'),
  {
    displayName: 'Reason',
    name: 'reason',
    type: 'options',
    default: 'manual',
    options: STOP_REASONS,
    description: 'Why the sequence stops for this contact (shown on the timeline and in stats)',
    displayOptions: showFor('stop'),
  },
  {
    displayName: 'Reason',
    name: 'reason',
    type: 'options',
    default: 'manual',
    options: PAUSE_REASONS,
    description: 'Why the enrollment pauses',
    displayOptions: showFor('pause'),
  },
  {
    displayName: 'Until',
    name: 'until',
    type: 'dateTime',
    default: '',
    description: 'Resume by itself at this moment (e.g. the return date of an out-of-office reply). Empty: until resumed.',
    displayOptions: showFor('pause'),
  },
  {
    displayName: 'Timeline Events',
    name: 'timelineLimit',
    type: 'number',
    typeOptions: { minValue: 0, maxValue: 500 },
    default: 20,
    description: 'How many of the latest timeline events to include',
    displayOptions: showFor('get'),
  },
];

type ChangeOperation = 'complete' | 'stop' | 'pause' | 'resume';

function changeOf(fn: IExecuteFunctions, operation: ChangeOperation, itemIndex: number): EnrollmentChange {
  if (operation === 'stop') return { action: 'stop', reason: fn.getNodeParameter('reason', itemIndex) as ReasonCode };
  if (operation === 'pause') {
    const until = String(fn.getNodeParameter('until', itemIndex, '') ?? '');
    const date = until ? new Date(until) : null;
    if (date && Number.isNaN(date.getTime())) throw new Error(`Until "${until}" is not a date-time`);
    return { action: 'pause', reason: fn.getNodeParameter('reason', itemIndex) as ReasonCode, until: date };
  }
  return { action: operation };
}

export function changeExecuteFor(operation: ChangeOperation) {
  return async function (this: IExecuteFunctions, ctx: Ctx, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
    const out = new Output(this);
    const intents = out.readEach(items.length, (i) => ({ id: enrollmentIdOf(this, i), change: changeOf(this, operation, i) }));
    for (const group of groupBy(intents, (r) => JSON.stringify(r.value.change))) {
      try {
        const results = await changeEnrollments(
          ctx,
          group.map((r) => r.value.id),
          group[0].value.change,
          { requireAll: !this.continueOnFail() },
        );
        results.forEach((result, k) => {
          if (result.outcome === 'not_found') out.fail(group[k].itemIndex, new Error(result.message), 'Map Enrollment ID from the dispatched step: {{ $json.enrollment.id }}');
          else out.add(group[k].itemIndex, plain(result));
        });
      } catch (error) {
        const missing = error instanceof SequencerError && error.code === 'not_found' ? error.details?.[0]?.message : undefined;
        const culprit = group.find((r) => r.value.id === missing);
        if (culprit) out.fail(culprit.itemIndex, error, 'Map Enrollment ID from the dispatched step: {{ $json.enrollment.id }}');
        else for (const r of group) out.fail(r.itemIndex, error);
      }
    }
    return out.sorted();
  };
}

export async function executeGet(this: IExecuteFunctions, ctx: Ctx, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
  const out = new Output(this);
  const reads = out.readEach(items.length, (i) => enrollmentIdOf(this, i));
  const limit = Math.max(...reads.map((r) => this.getNodeParameter('timelineLimit', r.itemIndex, 20) as number), 0);
  const views = await getEnrollments(
    ctx,
    reads.map((r) => r.value),
    { timelineLimit: limit },
  );
  views.forEach((view, k) => {
    const { itemIndex, value: id } = reads[k];
    if (!view) out.fail(itemIndex, new Error(`enrollment ${id} does not exist`), 'Map Enrollment ID from the dispatched step: {{ $json.enrollment.id }}');
    else {
      const own = this.getNodeParameter('timelineLimit', itemIndex, 20) as number;
      out.add(itemIndex, plain({ ...view, timeline: view.timeline.slice(Math.max(0, view.timeline.length - own)) }));
    }
  });
  return out.sorted();
}
