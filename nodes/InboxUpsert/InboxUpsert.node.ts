import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
  NodeConnectionTypes,
} from 'n8n-workflow';
import { databaseCredentialTest } from '../shared/database';
import { properties } from './description';
import { execute } from './execute';

export class InboxUpsert implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Inbox Upsert',
    name: 'inboxUpsert',
    icon: { light: 'file:inboxUpsert.svg', dark: 'file:inboxUpsert.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter["input"] === "fields" ? "mapped fields" : "UniPile webhook body" }}',
    description: 'Store a UniPile webhook (or mapped message fields) in the shared inbox and apply reply, acceptance and open detection exactly as the runtime does',
    defaults: { name: 'Inbox Upsert' },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
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
