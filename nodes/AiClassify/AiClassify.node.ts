import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeParameters,
  type INodeType,
  type INodeTypeDescription,
  NodeConnectionTypes,
} from 'n8n-workflow';
import { DEFAULT_TAXONOMY } from '../../runtime/classify/taxonomy';
import { databaseCredentialTest } from '../shared/database';
import { properties } from './description';
import { execute } from './execute';

/**
 * Route by Category: one output per category (the defaults, then custom ones in order, as
 * buildTaxonomy orders them) plus Needs Review; otherwise one output. n8n evaluates this from the
 * parameters, so it must stand alone (no imports, no optional chaining).
 */
const outputsOf = (parameters: INodeParameters, defaults: string[]) => {
  if (!parameters.routeByCategory) return [{ type: 'main' }];
  const custom = ((parameters.categories || {}) as { category?: Array<{ name?: string }> }).category || [];
  const keys = defaults.slice();
  custom.forEach((c) => {
    const key = String(c.name || '').trim();
    if (key && key !== 'needs_review' && keys.indexOf(key) < 0) keys.push(key);
  });
  keys.push('needs_review');
  const title = (key: string) =>
    key
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' ');
  return keys.map((key) => ({ type: 'main', displayName: title(key) }));
};

export class AiClassify implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'AI Classify',
    name: 'aiClassify',
    icon: { light: 'file:aiClassify.svg', dark: 'file:aiClassify.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter["mode"] === "rulesOnly" ? "rules only" : $parameter["model"] }}',
    description: 'Classify replies (interested, meeting request, not now, out of office, unsubscribe…) by rules and an AI model, and act on them',
    defaults: { name: 'AI Classify' },
    inputs: [NodeConnectionTypes.Main],
    outputs: `={{(${outputsOf})($parameter, ${JSON.stringify(DEFAULT_TAXONOMY.keys)})}}`,
    credentials: [
      // Neither is an "Api" credential by name: see credentials/SequencerOpenAi.credentials.ts and SequencerDatabase.
      // eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
      { name: 'sequencerOpenAi', required: true, displayOptions: { show: { mode: ['rulesThenModel'] } } },
      { name: 'sequencerDatabase', required: true, testedBy: 'sequencerDatabaseTest', displayOptions: { show: { writeBack: [true] } } },
    ],
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
