import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import * as emailSend from './actions/email/send';
import * as invitationSend from './actions/invitation/send';
import * as messageSend from './actions/message/send';
import * as startChat from './actions/message/startChat';
import * as profileGet from './actions/profile/get';
import { methods } from './methods';
import { route } from './router';

/**
 * UniPile Send (DESIGN §5): messages, chats, invitations, emails and profile lookups through
 * UniPile, each send recorded first under an idempotency key so that it goes out at most once.
 */
export class UnipileSend implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'UniPile Send',
    name: 'unipileSend',
    icon: { light: 'file:unipile.svg', dark: 'file:unipile.dark.svg' },
    group: ['output'],
    version: 1,
    subtitle: '={{$parameter["resource"] + ": " + $parameter["operation"]}}',
    description: 'Send LinkedIn messages, invitations, InMails, WhatsApp and email through UniPile, at most once per idempotency key',
    defaults: { name: 'UniPile Send' },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    usableAsTool: true,
    credentials: [
      { name: 'unipileApi', required: true },
      // The shared database credential's name is part of the package contract (DESIGN §2).
      // eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed
      { name: 'sequencerDatabase', required: true, testedBy: 'sequencerDatabaseTest' },
    ],
    properties: [
      {
        displayName: 'Resource',
        name: 'resource',
        type: 'options',
        noDataExpression: true,
        default: 'message',
        options: [
          { name: 'Email', value: 'email' },
          { name: 'Invitation', value: 'invitation' },
          { name: 'Message', value: 'message' },
          { name: 'Profile', value: 'profile' },
        ],
      },
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        displayOptions: { show: { resource: ['message'] } },
        default: 'send',
        options: [
          { name: 'Send in Chat', value: 'send', action: 'Send a message in a chat', description: 'Write in an existing chat' },
          {
            name: 'Start Chat',
            value: 'startChat',
            action: 'Start a chat',
            description: 'First message to a person: LinkedIn (classic, Sales Navigator, InMail), WhatsApp, Instagram, Telegram',
          },
        ],
      },
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        displayOptions: { show: { resource: ['invitation'] } },
        default: 'send',
        options: [{ name: 'Send', value: 'send', action: 'Send an invitation', description: 'Invite to connect, with an optional note' }],
      },
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        displayOptions: { show: { resource: ['email'] } },
        default: 'send',
        options: [{ name: 'Send', value: 'send', action: 'Send an email', description: 'New email or reply in thread, with open and click tracking' }],
      },
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        displayOptions: { show: { resource: ['profile'] } },
        default: 'get',
        options: [
          { name: 'Get', value: 'get', action: 'Get a profile', description: 'Resolve a profile URL or slug to a provider ID and store it on the contact' },
        ],
      },
      ...messageSend.description,
      ...startChat.description,
      ...invitationSend.description,
      ...emailSend.description,
      ...profileGet.description,
    ],
  };

  methods = methods;

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return route.call(this);
  }
}
