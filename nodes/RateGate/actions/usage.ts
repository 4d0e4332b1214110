import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { Ctx } from '../../../runtime/context';
import { usage } from '../../../runtime/limits/usage';

/** Get Usage: used and remaining per window and action for an account (runtime/limits/usage.ts). */
export const description: INodeProperties[] = [
  {
    displayName: 'Account ID',
    name: 'accountId',
    type: 'string',
    default: '={{ $json.account?.id ?? "" }}',
    required: true,
    description: 'The UniPile account whose usage to read',
    displayOptions: { show: { operation: ['getUsage'] } },
  },
];

export async function execute(this: IExecuteFunctions, ctx: Ctx, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
  const accountIds = items.map((_, itemIndex) => String(this.getNodeParameter('accountId', itemIndex, '') ?? '').trim());
  const reports = new Map(await Promise.all([...new Set(accountIds.filter(Boolean))].map(async (id) => [id, await usage(ctx, id)] as const)));
  return [
    items.map((item, itemIndex) => {
      const report = reports.get(accountIds[itemIndex]);
      if (report) return { json: { ...item.json, usage: JSON.parse(JSON.stringify(report)) }, pairedItem: { item: itemIndex } };
      if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), 'Account ID is empty', { itemIndex, description: 'Set the UniPile account id' });
      return { json: { ...item.json, error: 'Account ID is empty' }, pairedItem: { item: itemIndex } };
    }),
  ];
}
