import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeParameters,
  type INodeType,
  type INodeTypeDescription,
  NodeConnectionTypes,
} from 'n8n-workflow';
import { databaseCredentialTest } from '../shared/database';
import * as release from './actions/release';
import * as reserve from './actions/reserve';
import * as getUsage from './actions/usage';
import { route } from './router';

/**
 * Reserve: Allowed / Limited. Release and Get Usage: one output. n8n evaluates this from the
 * parameters, so it must stand alone (no imports, no newer syntax such as `??`).
 */
const outputsOf = (parameters: INodeParameters) =>
  parameters.operation === 'release' || parameters.operation === 'getUsage'
    ? [{ type: 'main', displayName: '' }]
    : [
        { type: 'main', displayName: 'Allowed' },
        { type: 'main', displayName: 'Limited' },
      ];

export class RateGate implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Rate Gate',
    name: 'rateGate',
    icon: { light: 'file:rateGate.svg', dark: 'file:rateGate.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle:
      '={{ $parameter["operation"] === "reserve" ? "reserve " + ($parameter["accountAction"] === "custom" ? $parameter["customAction"] : $parameter["accountAction"]) : $parameter["operation"] }}',
    description: 'Reserve capacity for an account action against hourly, daily and weekly caps, spacing, working hours and warm-up, across every flow',
    defaults: { name: 'Rate Gate' },
    inputs: [NodeConnectionTypes.Main],
    outputs: `={{(${outputsOf})($parameter)}}`,
    // The database credential is not an API credential (see credentials/SequencerDatabase.credentials.ts).
    // eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
    credentials: [{ name: 'sequencerDatabase', required: true, testedBy: 'sequencerDatabaseTest' }],
    usableAsTool: true,
    properties: [
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        default: 'reserve',
        options: [
          {
            name: 'Reserve',
            value: 'reserve',
            action: 'Reserve capacity for an action',
            description: 'Allowed items may act now; Limited items carry retryAt and reason',
          },
          {
            name: 'Release',
            value: 'release',
            action: 'Release a reservation',
            description: 'Give capacity back when the send was skipped or failed for good',
          },
          { name: 'Get Usage', value: 'getUsage', action: 'Get an account s usage', description: 'Used and remaining per window and action' },
        ],
      },
      ...reserve.description,
      ...release.description,
      ...getUsage.description,
    ],
  };

  methods = {
    credentialTest: databaseCredentialTest,
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return route.call(this);
  }
}
