import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import type { Ctx } from '../../runtime/context';
import { contextFor } from '../shared/database';
import type { Operation } from './actions/common';
import { changeExecuteFor, executeGet } from './actions/control';
import * as enroll from './actions/enroll';
import { executeFor } from './actions/schedule';

type Execute = (this: IExecuteFunctions, ctx: Ctx, items: INodeExecutionData[]) => Promise<INodeExecutionData[][]>;

const operations: Record<Operation, Execute> = {
  enroll: enroll.execute,
  scheduleNext: executeFor('scheduleNext'),
  scheduleAt: executeFor('scheduleAt'),
  complete: changeExecuteFor('complete'),
  stop: changeExecuteFor('stop'),
  pause: changeExecuteFor('pause'),
  resume: changeExecuteFor('resume'),
  get: executeGet,
};

/** Reads the operation once, opens the shared schema, and hands the whole batch to the operation. */
export async function route(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const operation = this.getNodeParameter('operation', 0) as Operation;
  const ctx = await contextFor(await this.getCredentials('sequencerDatabase'));
  return operations[operation].call(this, ctx, this.getInputData());
}
