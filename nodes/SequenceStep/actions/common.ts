import { type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties, NodeOperationError } from 'n8n-workflow';
import { SequencerError } from '../../../runtime/sequences/errors';
import { isUuid } from '../../../runtime/db/uuid';

/** Parameters and item plumbing shared by the Sequence Step operations. */

export type Operation = 'enroll' | 'scheduleNext' | 'scheduleAt' | 'complete' | 'stop' | 'pause' | 'resume' | 'get';

export const showFor = (...operation: Operation[]) => ({ show: { operation } });

/** Defaults to the enrollment of the dispatched step (or of a previous Sequence Step output). */
export const enrollmentIdField = (...operation: Operation[]): INodeProperties => ({
  displayName: 'Enrollment ID',
  name: 'enrollmentId',
  type: 'string',
  required: true,
  default: '={{ $json.enrollment?.id ?? $json.enrollmentId ?? "" }}',
  description: 'The enrollment to act on. The default reads it from items the Sequencer Trigger emitted for a due step.',
  displayOptions: showFor(...operation),
});


export function enrollmentIdOf(fn: IExecuteFunctions, itemIndex: number): string {
  const id = String(fn.getNodeParameter('enrollmentId', itemIndex, '') ?? '').trim();
  if (!isUuid(id)) {
    throw new NodeOperationError(fn.getNode(), id ? `Enrollment ID "${id}" is not an enrollment id` : 'Enrollment ID is empty', {
      itemIndex,
      description: 'Map it from the dispatched step: {{ $json.enrollment.id }} (items from the Sequencer Trigger carry it)',
    });
  }
  return id;
}

/** Dates as ISO strings and no undefined: item JSON must be plain JSON. */
export const plain = (value: unknown): IDataObject => JSON.parse(JSON.stringify(value)) as IDataObject;

/** A runtime refusal as a node error on the item, with a hint that says how to fix it. */
export function nodeError(fn: IExecuteFunctions, error: unknown, itemIndex: number, description?: string): NodeOperationError {
  if (error instanceof NodeOperationError) return error;
  const message = (error as Error).message;
  const hint =
    description ??
    (error instanceof SequencerError && error.code === 'not_found'
      ? 'Check the sequence key (or enrollment ID); create the sequence with the API or with Options → Sequence Settings of the enroll operation'
      : 'Fix the parameter named in the message');
  return new NodeOperationError(fn.getNode(), message, { itemIndex, description: hint });
}

/**
 * Collects output items: a failed item either stops the node (with its index) or, with "continue on
 * fail", becomes an item with `error`.
 */
export class Output {
  readonly items: INodeExecutionData[] = [];
  constructor(private readonly fn: IExecuteFunctions) {}

  add(itemIndex: number, json: IDataObject): void {
    this.items.push({ json, pairedItem: { item: itemIndex } });
  }

  fail(itemIndex: number, error: unknown, description?: string): void {
    const wrapped = nodeError(this.fn, error, itemIndex, description);
    if (!this.fn.continueOnFail()) throw wrapped;
    this.items.push({ json: { error: wrapped.message }, pairedItem: { item: itemIndex } });
  }

  /** Runs `read` for each item; failures are handled as above. Returns the readable ones. */
  readEach<T>(count: number, read: (itemIndex: number) => T): Array<{ itemIndex: number; value: T }> {
    const ok: Array<{ itemIndex: number; value: T }> = [];
    for (let itemIndex = 0; itemIndex < count; itemIndex++) {
      try {
        ok.push({ itemIndex, value: read(itemIndex) });
      } catch (error) {
        this.fail(itemIndex, error);
      }
    }
    return ok;
  }

  /** Items in input order (failures and results may have been added out of order). */
  sorted(): INodeExecutionData[][] {
    const index = (i: INodeExecutionData) => (i.pairedItem as { item: number }).item;
    return [this.items.sort((a, b) => index(a) - index(b))];
  }
}

/** Groups item indices by a key (items sharing batch-level parameters go in one runtime call). */
export function groupBy<T>(entries: T[], keyOf: (entry: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const e of entries) groups.set(keyOf(e), [...(groups.get(keyOf(e)) ?? []), e]);
  return [...groups.values()];
}
