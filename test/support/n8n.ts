import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CODE_ROOT, SOURCE_EXTENSION } from './root';
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
  createRunExecutionData,
  ICredentialsHelper,
  NodeHelpers,
  Workflow,
  type ICredentialDataDecryptedObject as CredData,
  type ICredentialType,
  type IHttpRequestOptions,
  type INode,
  type INodeExecutionData,
  type INodeType,
  type INodeTypes,
  type IRun,
  type IVersionedNodeType,
  type IWorkflowBase,
  type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

/**
 * In-process n8n: n8n-core's WorkflowExecute runs workflow JSON through our real nodes
 * (reference n8n-community-nodes.md §5.3). Node types come from package.json's `n8n` block, so a
 * node missing there is missing here too.
 */
export const PACKAGE_NAME = 'n8n-nodes-unipile-sequencer';


type NodeMap = Record<string, INodeType | IVersionedNodeType>;

interface PackageN8n {
  nodes: string[];
  credentials: string[];
}

function n8nBlock(): PackageN8n {
  return (JSON.parse(readFileSync(path.join(CODE_ROOT, 'package.json'), 'utf8')) as { n8n: PackageN8n }).n8n;
}

/** `dist/nodes/X/X.node.js` → the TypeScript source, loaded through ts-jest. */
function loadSourceExport<T>(distPath: string): T[] {
  const source = path.join(CODE_ROOT, distPath.replace(/^dist\//, '').replace(/\.js$/, SOURCE_EXTENSION));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(source) as Record<string, new () => T>;
  return Object.values(mod).filter((v) => typeof v === 'function').map((Cls) => new Cls());
}

export function packageNodeTypes(): NodeMap {
  const map: NodeMap = {};
  for (const file of n8nBlock().nodes) {
    for (const node of loadSourceExport<INodeType | IVersionedNodeType>(file)) {
      map[`${PACKAGE_NAME}.${node.description.name}`] = node;
    }
  }
  return map;
}

export function packageCredentialTypes(): Record<string, ICredentialType> {
  const map: Record<string, ICredentialType> = {};
  for (const file of n8nBlock().credentials) {
    for (const cred of loadSourceExport<ICredentialType>(file)) map[cred.name] = cred;
  }
  return map;
}

export class TestNodeTypes implements INodeTypes {
  constructor(private readonly nodes: NodeMap) {}
  getByName(type: string) {
    const n = this.nodes[type];
    if (!n) throw new Error(`Unknown node type ${type}`);
    return n;
  }
  getByNameAndVersion(type: string, v?: number): INodeType {
    return NodeHelpers.getVersionedNodeType(this.getByName(type), v);
  }
  getKnownTypes() {
    return {};
  }
}

export class TestCredentialsHelper extends ICredentialsHelper {
  constructor(
    private readonly types: Record<string, ICredentialType>,
    private readonly data: Record<string, CredData>,
  ) {
    super();
  }
  async authenticate(creds: CredData, typeName: string, opts: IHttpRequestOptions) {
    const auth = this.types[typeName]?.authenticate;
    if (!auth) return opts;
    if (typeof auth === 'function') return await auth(creds, opts);
    const resolve = (v: unknown) =>
      typeof v === 'string' && v.startsWith('=') ? v.slice(1).replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_m, k: string) => String(creds[k] ?? '')) : v;
    const target = opts as unknown as Record<string, Record<string, unknown> | undefined>;
    for (const where of ['headers', 'qs', 'body'] as const) {
      const props = (auth.properties as Record<string, Record<string, unknown> | undefined>)[where];
      if (!props) continue;
      target[where] = { ...(target[where] ?? {}) };
      for (const [k, v] of Object.entries(props)) target[where]![k] = resolve(v);
    }
    return opts;
  }
  async getDecrypted(_a: unknown, _n: unknown, type: string) {
    if (!(type in this.data)) throw new Error(`No test credentials for ${type}`);
    return this.data[type];
  }
  getCredentialsProperties(type: string) {
    return this.types[type]?.properties ?? [];
  }
  getParentTypes() {
    return [];
  }
  isCredentialUsableByNode() {
    return true;
  }
  async preAuthentication() {
    return undefined;
  }
  async runPreAuthentication() {
    return undefined;
  }
  async getCredentials(): Promise<never> {
    throw new Error('not supported in tests');
  }
  async updateCredentials() {}
  async updateCredentialsOauthTokenData() {}
}

export interface RunOptions {
  workflowJson: Pick<IWorkflowBase, 'nodes' | 'connections'> & Partial<IWorkflowBase>;
  nodeTypes?: NodeMap;
  credentials?: Record<string, CredData>;
  inputItems?: INodeExecutionData[];
  startNodeName?: string;
  resumeFrom?: IRun['data'];
}

let cachedNodeTypes: NodeMap | undefined;
let cachedCredentialTypes: Record<string, ICredentialType> | undefined;

/** Runs a workflow from `startNodeName` (or its trigger / first node) with `inputItems`. */
export async function runWorkflow(o: RunOptions): Promise<{ run: IRun; order: string[] }> {
  const nodeTypes = o.nodeTypes ?? (cachedNodeTypes ??= packageNodeTypes());
  const credentialTypes = (cachedCredentialTypes ??= packageCredentialTypes());
  const { nodes, connections, settings = {} } = o.workflowJson;
  const workflow = new Workflow({ id: 'test', nodes, connections, settings, active: false, nodeTypes: new TestNodeTypes(nodeTypes) });
  const hooks = new ExecutionLifecycleHooks('manual', '1', {
    id: 'test',
    name: 'test',
    nodes: [],
    connections: {},
    active: false,
    settings: {},
  } as unknown as IWorkflowBase);
  const order: string[] = [];
  hooks.addHandler('nodeExecuteAfter', (name: string) => {
    order.push(name);
  });
  const b = 'http://localhost:5678';
  const additionalData = {
    hooks,
    credentialsHelper: new TestCredentialsHelper(credentialTypes, o.credentials ?? {}),
    executionId: '1',
    currentNodeExecutionIndex: 0,
    variables: {},
    restApiUrl: `${b}/rest`,
    instanceBaseUrl: `${b}/`,
    webhookBaseUrl: `${b}/webhook`,
    webhookWaitingBaseUrl: `${b}/webhook-waiting`,
    webhookTestBaseUrl: `${b}/webhook-test`,
    formBaseUrl: `${b}/form`,
    formWaitingBaseUrl: `${b}/form-waiting`,
    formTestBaseUrl: `${b}/form-test`,
    mcpBaseUrl: `${b}/mcp`,
    mcpTestBaseUrl: `${b}/mcp-test`,
    executeWorkflow: async () => {
      throw new Error('sub-workflows not supported');
    },
    getRunExecutionData: async () => undefined,
    getRuntimeCredential: async () => undefined,
  } as unknown as IWorkflowExecuteAdditionalData;
  const start: INode | undefined = o.startNodeName
    ? (workflow.getNode(o.startNodeName) ?? undefined)
    : (workflow.getStartNode() ?? Object.values(workflow.nodes).find((n) => !workflow.connectionsByDestinationNode[n.name]));
  if (!start) throw new Error('no start node');
  const runData =
    o.resumeFrom ??
    createRunExecutionData({
      executionData: { nodeExecutionStack: [{ node: start, data: { main: [o.inputItems ?? [{ json: {} }]] }, source: null }] },
    });
  const run = await new WorkflowExecute(additionalData, 'manual', runData).processRunExecutionData(workflow);
  return { run, order };
}

export const outputOf = (run: IRun, node: string, output = 0) => run.data.resultData.runData[node]?.[0]?.data?.main?.[output] ?? null;

/** The error a run ended with, if any. */
export const runError = (run: IRun) => run.data.resultData.error;

/** Credential data for the Sequencer Database credential pointing at a test schema. */
export function databaseCredential(url: string, schema: string): CredData {
  return { connectionString: url, schema, ssl: 'disable' };
}
