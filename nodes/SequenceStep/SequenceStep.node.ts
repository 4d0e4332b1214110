import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
  NodeConnectionTypes,
} from 'n8n-workflow';
import { databaseCredentialTest } from '../shared/database';
import * as control from './actions/control';
import * as enroll from './actions/enroll';
import * as schedule from './actions/schedule';
import { route } from './router';

/** Enrolls contacts and moves enrollments along: the flow's end of the sequence engine (docs/nodes.md). */
export class SequenceStep implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Sequence Step',
    name: 'sequenceStep',
    icon: { light: 'file:sequenceStep.svg', dark: 'file:sequenceStep.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter["operation"] === "scheduleNext" ? "schedule " + $parameter["step"] : $parameter["operation"] }}',
    description: 'Enroll contacts in a sequence, schedule their next step (business-time delays, wake on events), complete, stop, pause, resume or read an enrollment',
    defaults: { name: 'Sequence Step' },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    // eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
    credentials: [{ name: 'sequencerDatabase', required: true, testedBy: 'sequencerDatabaseTest' }],
    usableAsTool: true,
    properties: [
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        default: 'scheduleNext',
        options: [
          { name: 'Complete', value: 'complete', action: 'Complete the sequence for a contact', description: 'The contact went through every step' },
          { name: 'Enroll', value: 'enroll', action: 'Enroll contacts in a sequence', description: 'Each item becomes a contact; already enrolled, do-not-contact and invalid ones say so' },
          { name: 'Get', value: 'get', action: 'Get an enrollment', description: 'State and recent timeline' },
          { name: 'Pause', value: 'pause', action: 'Pause an enrollment', description: 'Keeps the pending step; optionally until a date' },
          { name: 'Resume', value: 'resume', action: 'Resume an enrollment', description: 'The pending step runs at its time, or at the next working moment if overdue' },
          { name: 'Schedule At', value: 'scheduleAt', action: 'Schedule a step at a given time', description: "E.g. the Rate Gate's retryAt." },
          { name: 'Schedule Next Step', value: 'scheduleNext', action: 'Schedule the next step', description: 'After a business-time delay or at a local time; may wake early on events' },
          { name: 'Stop', value: 'stop', action: 'Stop an enrollment', description: 'Nothing more is sent to this contact in this sequence' },
        ],
      },
      ...enroll.description,
      ...schedule.description,
      ...control.description,
    ],
  };

  methods = {
    credentialTest: databaseCredentialTest,
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return route.call(this);
  }
}
