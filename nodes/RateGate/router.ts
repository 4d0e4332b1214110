import { type IExecuteFunctions, type INodeExecutionData, NodeOperationError } from 'n8n-workflow';
import { LimitsInputError } from '../../runtime/limits/policy';
import { contextFor } from '../shared/database';
import * as release from './actions/release';
import * as reserve from './actions/reserve';
import * as getUsage from './actions/usage';

const operations = { reserve, release, getUsage };
export type Operation = keyof typeof operations;

/** Reads the operation once, opens the shared schema, and hands the whole batch to the operation. */
export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const items = this.getInputData();
  const operation = this.getNodeParameter('operation', 0) as Operation;
  const ctx = await contextFor(await this.getCredentials('sequencerDatabase'));
  try {
    return await operations[operation].execute.call(this, ctx, items);
  } catch (error) {
    if (!(error instanceof LimitsInputError)) throw new NodeOperationError(this.getNode(), error as Error);
    // A misconfigured account or sequence: every item of the batch shares the problem.
    const description = 'Fix the limits named in the message (accounts.limits / working_hours / timezone, or the sequence settings), see docs/limits.md';
    if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), error.message, { description });
    const failed = items.map((item, i) => ({ json: { ...item.json, error: error.message }, pairedItem: { item: i } }));
    return operation === 'reserve' ? [[], failed] : [failed];
  }
}
