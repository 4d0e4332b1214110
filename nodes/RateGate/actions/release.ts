import { type IExecuteFunctions, type INodeExecutionData, type INodeProperties, NodeOperationError } from 'n8n-workflow';
import type { Ctx } from '../../../runtime/context';
import { releaseMany } from '../../../runtime/limits/ledger';

/** Release: gives a reservation's capacity back when the send was skipped or failed for good (runtime/limits/ledger.ts). */
export const description: INodeProperties[] = [
  {
    displayName: 'Reservation ID',
    name: 'reservationId',
    type: 'string',
    default: '={{ $json.rateGate?.reservationId ?? "" }}',
    required: true,
    description: 'The reservation a Rate Gate granted (rateGate.reservationId on its Allowed items)',
    displayOptions: { show: { operation: ['release'] } },
  },
];

const ID = /^[1-9]\d{0,18}$/;

export async function execute(this: IExecuteFunctions, ctx: Ctx, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
  const out: INodeExecutionData[] = new Array(items.length);
  const ids = new Map<number, string>();
  items.forEach((item, itemIndex) => {
    const id = String(this.getNodeParameter('reservationId', itemIndex, '') ?? '').trim();
    if (ID.test(id)) {
      ids.set(itemIndex, id);
      return;
    }
    const message = `Reservation ID "${id}" is not a reservation id`;
    if (!this.continueOnFail()) {
      throw new NodeOperationError(this.getNode(), message, { itemIndex, description: 'Map {{ $json.rateGate.reservationId }} from a Rate Gate Allowed item' });
    }
    out[itemIndex] = { json: { ...item.json, error: message }, pairedItem: { item: itemIndex } };
  });
  const released = new Set(await releaseMany(ctx, [...new Set(ids.values())]));
  for (const [itemIndex, id] of ids) {
    const previous = (items[itemIndex].json.rateGate ?? {}) as object;
    out[itemIndex] = {
      json: { ...items[itemIndex].json, rateGate: { ...previous, reservationId: id, released: released.delete(id) } },
      pairedItem: { item: itemIndex },
    };
  }
  return [out];
}
