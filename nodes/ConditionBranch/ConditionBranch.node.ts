import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeParameters,
  type INodeType,
  type INodeTypeDescription,
  NodeConnectionTypes,
} from 'n8n-workflow';
import { databaseCredentialTest } from '../shared/database';
import { properties } from './description';
import { execute } from './execute';

/**
 * Conditions mode: true / false. Rules mode: one output per rule, plus the fallback (like Switch v3).
 * n8n evaluates this from the parameters, so it must stand alone (no imports, no newer syntax such as `?.`).
 */
const outputsOf = (parameters: INodeParameters) => {
  if (parameters.mode !== 'rules') {
    return [
      { type: 'main', displayName: 'true' },
      { type: 'main', displayName: 'false' },
    ];
  }
  const rules = ((parameters.rules || {}) as { rule?: Array<{ outputName?: string }> }).rule || [];
  const options = (parameters.options || {}) as { fallbackOutput?: string; renameFallbackOutput?: string };
  const outputs = rules.map((rule, index) => ({ type: 'main', displayName: rule.outputName || String(index) }));
  if (options.fallbackOutput !== 'none') outputs.push({ type: 'main', displayName: options.renameFallbackOutput || 'Fallback' });
  return outputs;
};

export class ConditionBranch implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Condition Branch',
    name: 'conditionBranch',
    icon: { light: 'file:conditionBranch.svg', dark: 'file:conditionBranch.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter["mode"] === "rules" ? "rules" : "true / false" }}',
    description: 'Route contacts by what they did: replied, accepted, opened, clicked, bounced, unsubscribed, classified as, and more',
    defaults: { name: 'Condition Branch' },
    inputs: [NodeConnectionTypes.Main],
    outputs: `={{(${outputsOf})($parameter)}}`,
    // The database credential is not an API credential (see credentials/SequencerDatabase.credentials.ts).
    // eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
    credentials: [{ name: 'sequencerDatabase', required: true, testedBy: 'sequencerDatabaseTest' }],
    usableAsTool: true,
    properties,
  };

  methods = {
    credentialTest: databaseCredentialTest,
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return execute.call(this);
  }
}
