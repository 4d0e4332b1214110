import { randomUUID } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';
import { closeAllConnections } from '../../nodes/shared/database';
import { databaseCredential, runWorkflow, outputOf, PACKAGE_NAME } from '../support/n8n';
import { messageReceived } from './ingest';

/** Inbox Upsert and Condition Branch on 1,000 items in one n8n-core execution each. */
export async function nodeBatchRuns(url: string, schema: string): Promise<{ node: string; perSecond: number }[]> {
  const credentials = { sequencerDatabase: databaseCredential(url, schema) };
  const credentialRef = { sequencerDatabase: { id: '1', name: 'Sequencer' } };
  const one = async (label: string, node: Record<string, unknown>, items: Record<string, unknown>[]) => {
    const workflowJson = {
      nodes: [{ id: randomUUID(), name: label, typeVersion: 1, position: [200, 0] as [number, number], credentials: credentialRef, ...node }] as never,
      connections: {},
    };
    const began = process.hrtime.bigint();
    const { run } = await runWorkflow({ workflowJson, credentials, inputItems: items.map((json) => ({ json: json as IDataObject })), startNodeName: label });
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    if (run.data.resultData.error) throw new Error(`${label} failed: ${run.data.resultData.error.message}`);
    const out = [...(outputOf(run, label, 0) ?? []), ...(outputOf(run, label, 1) ?? [])];
    if (out.length !== items.length) throw new Error(`${label} returned ${out.length} items for ${items.length}`);
    return { node: label, perSecond: items.length / seconds, output: out.map((i) => i.json) };
  };
  const bodies = Array.from({ length: 1000 }, (_, i) => JSON.parse(messageReceived(100_000 + i, 'bench-nodes', 'ACoAAOwnNodes')) as Record<string, unknown>);
  // A warm-up run creates the account and contacts, as a real workflow's first executions would.
  await one('Inbox Upsert', { type: `${PACKAGE_NAME}.inboxUpsert`, parameters: { input: 'webhookBody' } }, bodies.slice(0, 50));
  const inbox = await one('Inbox Upsert', { type: `${PACKAGE_NAME}.inboxUpsert`, parameters: { input: 'webhookBody' } }, bodies);
  const branch = await one(
    'Condition Branch',
    {
      type: `${PACKAGE_NAME}.conditionBranch`,
      parameters: { mode: 'conditions', combinator: 'any', conditions: { condition: [{ type: 'replied', scope: 'contact', since: 'ever' }, { type: 'has_identity', identityKinds: ['email'] }] } },
    },
    inbox.output,
  );
  await closeAllConnections();
  return [inbox, branch].map(({ node, perSecond }) => ({ node, perSecond }));
}
