import {
  NodeConnectionTypes,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
  type INodeType,
  type INodeTypeDescription,
  type IWebhookFunctions,
  type IWebhookResponseData,
} from 'n8n-workflow';

/**
 * Stand-ins for the few n8n base nodes the flow templates use (n8n-nodes-base is not a dependency).
 * Their descriptions list the parameters of n8n 2.41's own nodes that templates may set, with the
 * same names, types and display rules (copied from n8n's source); the template checks hold templates
 * to them. Their `execute` does what the real node does for those parameters, so the end-to-end
 * runs go through them like n8n would.
 */
const main = [NodeConnectionTypes.Main];

/** n8n-nodes-base.noOp 1: passes items on; the templates use it for clearly labelled placeholders. */
class NoOp implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'No Operation, do nothing',
    name: 'noOp',
    group: ['organization'],
    version: 1,
    description: 'No Operation',
    defaults: { name: 'No Operation, do nothing' },
    inputs: main,
    outputs: main,
    properties: [],
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return [this.getInputData()];
  }
}

/** n8n-nodes-base.stickyNote 1: canvas only, never executed. */
class StickyNote implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Sticky Note',
    name: 'stickyNote',
    group: ['input'],
    version: 1,
    description: 'Make your workflow easier to understand',
    defaults: { name: 'Sticky Note' },
    inputs: [],
    outputs: [],
    properties: [
      { displayName: 'Content', name: 'content', type: 'string', default: '' },
      { displayName: 'Height', name: 'height', type: 'number', required: true, default: 160 },
      { displayName: 'Width', name: 'width', type: 'number', required: true, default: 240 },
      { displayName: 'Color', name: 'color', type: 'number', required: true, default: 1 },
    ],
  };
}

const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'].map((m) => ({ name: m, value: m }));

/** n8n-nodes-base.webhook 2.x (single HTTP method). The item is `{ headers, params, query, body }`. */
class Webhook implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Webhook',
    name: 'webhook',
    group: ['trigger'],
    version: [1, 1.1, 2, 2.1],
    defaultVersion: 2.1,
    description: 'Starts the workflow when a webhook is called',
    defaults: { name: 'Webhook' },
    inputs: [],
    outputs: main,
    webhooks: [{ name: 'default', httpMethod: '={{$parameter["httpMethod"]}}', path: '={{$parameter["path"]}}', responseMode: '={{$parameter["responseMode"]}}' }],
    properties: [
      { displayName: 'Allow Multiple HTTP Methods', name: 'multipleMethods', type: 'boolean', default: false },
      { displayName: 'HTTP Method', name: 'httpMethod', type: 'options', options: HTTP_METHODS, default: 'GET', displayOptions: { show: { multipleMethods: [false] } } },
      { displayName: 'Path', name: 'path', type: 'string', default: '' },
      {
        displayName: 'Authentication',
        name: 'authentication',
        type: 'options',
        noDataExpression: true,
        options: ['basicAuth', 'headerAuth', 'jwtAuth', 'none'].map((value) => ({ name: value, value })),
        default: 'none',
      },
      {
        displayName: 'Respond',
        name: 'responseMode',
        type: 'options',
        options: ['onReceived', 'lastNode', 'responseNode'].map((value) => ({ name: value, value })),
        default: 'onReceived',
      },
      {
        displayName: 'Response Data',
        name: 'responseData',
        type: 'options',
        options: ['allEntries', 'firstEntryJson', 'firstEntryBinary', 'noData'].map((value) => ({ name: value, value })),
        default: 'firstEntryJson',
        displayOptions: { show: { responseMode: ['lastNode'] } },
      },
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        default: {},
        options: [
          { displayName: 'IP(s) Allowlist', name: 'ipWhitelist', type: 'string', default: '' },
          { displayName: 'Ignore Bots', name: 'ignoreBots', type: 'boolean', default: false },
          { displayName: 'Response Content-Type', name: 'responseContentType', type: 'string', default: '' },
        ],
      },
    ],
  };

  async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
    const request = this.getRequestObject();
    return { workflowData: [[{ json: { headers: this.getHeaderData(), params: {}, query: request.query ?? {}, body: this.getBodyData() } as IDataObject }]] };
  }
}

/** n8n-nodes-base.splitOut 1: one item per element of a list field (dot paths allowed). */
class SplitOut implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Split Out',
    name: 'splitOut',
    group: ['transform'],
    version: 1,
    description: 'Turn a list inside item(s) into separate items',
    defaults: { name: 'Split Out' },
    inputs: main,
    outputs: main,
    properties: [
      { displayName: 'Fields To Split Out', name: 'fieldToSplitOut', type: 'string', default: '', required: true },
      {
        displayName: 'Include',
        name: 'include',
        type: 'options',
        options: ['noOtherFields', 'allOtherFields', 'selectedOtherFields'].map((value) => ({ name: value, value })),
        default: 'noOtherFields',
      },
      { displayName: 'Fields To Include', name: 'fieldsToInclude', type: 'string', default: '', displayOptions: { show: { include: ['selectedOtherFields'] } } },
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        default: {},
        options: [
          { displayName: 'Disable Dot Notation', name: 'disableDotNotation', type: 'boolean', default: false },
          { displayName: 'Destination Field Name', name: 'destinationFieldName', type: 'string', default: '' },
          { displayName: 'Include Binary', name: 'includeBinary', type: 'boolean', default: false },
        ],
      },
    ],
  };

  /** Only what the templates use: one field, no other fields, object elements merged into the item. */
  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const out: INodeExecutionData[] = [];
    this.getInputData().forEach((item, i) => {
      const path = (this.getNodeParameter('fieldToSplitOut', i) as string).replace(/^\$json\./, '');
      if (this.getNodeParameter('include', i) !== 'noOtherFields') throw new Error('stand-in Split Out: only "No Other Fields" is implemented');
      const list = path.split('.').reduce<unknown>((value, key) => (value as IDataObject | undefined)?.[key], item.json);
      for (const element of Array.isArray(list) ? list : list === undefined ? [] : [list]) {
        const json = element && typeof element === 'object' ? (element as IDataObject) : { [path]: element as IDataObject[keyof IDataObject] };
        out.push({ json, pairedItem: { item: i } });
      }
    });
    return [out];
  }
}

const looseTypeValidation: INodeProperties = {
  displayName: 'Convert types where required',
  name: 'looseTypeValidation',
  type: 'boolean',
  default: true,
  description: "If the type of an expression doesn't match the type of the comparison, n8n will try to cast the expression to the required type",
};

/**
 * n8n-nodes-base.if 2.x: items whose conditions hold go to "true", the others to "false". The
 * conditions are n8n's own filter parameter, evaluated by n8n-workflow as the real node has it done.
 */
class If implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'If',
    name: 'if',
    group: ['transform'],
    version: [2, 2.1, 2.2],
    description: 'Route items to different branches (true/false)',
    defaults: { name: 'If' },
    inputs: main,
    outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
    outputNames: ['true', 'false'],
    properties: [
      {
        displayName: 'Conditions',
        name: 'conditions',
        placeholder: 'Add Condition',
        type: 'filter',
        default: {},
        typeOptions: {
          filter: {
            caseSensitive: '={{!$parameter.options.ignoreCase}}',
            typeValidation: '={{ ($nodeVersion < 2.1 ? $parameter.options.looseTypeValidation : $parameter.looseTypeValidation) ? "loose" : "strict" }}',
            version: '={{ $nodeVersion >= 2.2 ? 2 : 1 }}',
          },
        },
      },
      { ...looseTypeValidation, default: false, displayOptions: { show: { '@version': [{ _cnd: { gte: 2.1 } }] } } },
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        placeholder: 'Add option',
        default: {},
        options: [
          { displayName: 'Ignore Case', name: 'ignoreCase', type: 'boolean', default: true, description: 'Whether to ignore letter case when evaluating conditions' },
          { ...looseTypeValidation, displayOptions: { show: { '@version': [{ _cnd: { lt: 2.1 } }] } } },
        ],
      },
    ],
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const trueItems: INodeExecutionData[] = [];
    const falseItems: INodeExecutionData[] = [];
    this.getInputData().forEach((item, itemIndex) => {
      const pass = this.getNodeParameter('conditions', itemIndex, false, { extractValue: true }) as boolean;
      (pass ? trueItems : falseItems).push({ ...item, pairedItem: item.pairedItem ?? { item: itemIndex } });
    });
    return [trueItems, falseItems];
  }
}

/** By full node type name, as templates reference them. */
export const BASE_NODE_TYPES: Record<string, INodeType> = {
  'n8n-nodes-base.noOp': new NoOp(),
  'n8n-nodes-base.stickyNote': new StickyNote(),
  'n8n-nodes-base.webhook': new Webhook(),
  'n8n-nodes-base.splitOut': new SplitOut(),
  'n8n-nodes-base.if': new If(),
};
