import { readFileSync } from 'node:fs';
import { checkWorkflowAgainstNodeTypes, type NodeTypeDescription, type WorkflowJson } from './checks.mts';
import { UNIPILE_API_KEY, type FakeServer } from './fakes.mts';
import type { N8nServer, NodeRun, RunResult } from './n8n.mts';
import { fail } from './proc.mts';
import { passedCheck } from './report.mts';
import type { Runtime } from './runtime.mts';

/**
 * Working with the real n8n as a user would: our credentials created through its public API (and
 * tested as the editor's Test button does), workflows imported with those credentials picked, and
 * their executions read back.
 */

export const OPENAI_API_KEY = 'n8n-real-openai-key';

export type CredentialRefs = Record<string, { id: string; name: string }>;

/** Everything the checks talk to. */
export interface World {
  n8n: N8nServer;
  runtime: Runtime;
  unipile: FakeServer;
  openai: FakeServer;
  nodeTypes: NodeTypeDescription[];
  credentials: CredentialRefs;
}

export const readJson = <T,>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Our three credentials, created through `POST /api/v1/credentials`, each passing n8n's own credential test. */
export async function createCredentials(n8n: N8nServer, runtime: Runtime, unipile: FakeServer, openai: FakeServer): Promise<CredentialRefs> {
  const specs = [
    { type: 'sequencerDatabase', name: 'Sequencer Database', data: { connectionString: runtime.databaseUrl, schema: runtime.schema } },
    { type: 'unipileApi', name: 'UniPile API', data: { dsn: unipile.url, apiKey: UNIPILE_API_KEY, dryRun: false } },
    { type: 'sequencerOpenAi', name: 'Sequencer OpenAI', data: { apiKey: OPENAI_API_KEY, baseUrl: `${openai.url}/v1` } },
  ];
  const refs: CredentialRefs = {};
  for (const spec of specs) {
    const created = await n8n.api<{ id: string; name: string }>('POST', '/credentials', spec);
    refs[spec.type] = { id: created.id, name: created.name };
    // The editor's "Test" button: n8n runs the credential's test (HTTP request or the nodes' test method).
    const response = await n8n.rest('/rest/credentials/test', { method: 'POST', body: JSON.stringify({ credentials: { id: created.id, name: spec.name, type: spec.type, data: spec.data } }) });
    const result = (await response.json()) as { data?: { status?: string; message?: string } };
    if (response.status !== 200 || result.data?.status !== 'OK') fail(`n8n's test of the ${spec.type} credential failed (${response.status}): ${JSON.stringify(result)}`);
  }
  // The HTTP tests reached the fakes, with the credentials' auth.
  if (!unipile.requests.some((r) => r.path === '/accounts' && r.headers['x-api-key'] === UNIPILE_API_KEY)) fail("the UniPile API credential's test did not list the fake UniPile's accounts");
  if (!openai.requests.some((r) => r.path === '/models' && r.headers.authorization === `Bearer ${OPENAI_API_KEY}`)) fail("the Sequencer OpenAI credential's test did not reach the fake OpenAI");
  passedCheck(`credentials ${specs.map((s) => s.type).join(', ')} created with the public API; n8n's credential test passes for each`);
  return refs;
}

/** The workflow with each node's credentials pointed at the ones created here, by type (what a user picks after import). */
function withCredentials(workflow: WorkflowJson, credentials: CredentialRefs, file: string): WorkflowJson {
  const nodes = workflow.nodes.map((node) => {
    if (!node.credentials) return node;
    const picked = Object.fromEntries(
      Object.keys(node.credentials).map((type) => {
        const ref = credentials[type];
        if (!ref) fail(`${file}: node "${node.name}" uses a credential of type ${type}, which is not one of ours`);
        return [type, ref];
      }),
    );
    return { ...node, credentials: picked };
  });
  return { ...workflow, nodes };
}

/** Imports a workflow through `POST /api/v1/workflows` (only the fields the public API takes); returns its id. */
export async function importWorkflow(world: World, workflow: WorkflowJson, file: string): Promise<string> {
  checkWorkflowAgainstNodeTypes(workflow, file, world.nodeTypes);
  const { name, nodes, connections, settings } = withCredentials(workflow, world.credentials, file);
  const created = await world.n8n.api<{ id: string }>('POST', '/workflows', { name, nodes, connections, settings: settings ?? {} });
  return created.id;
}

export interface Execution {
  id: string;
  status: string;
  runData: Record<string, NodeRun[]>;
}

export async function executionsOf(world: World, workflowId: string): Promise<Execution[]> {
  const page = await world.n8n.api<{ data: Array<{ id: string; status: string; data?: RunResult['data'] }> }>('GET', `/executions?workflowId=${workflowId}&includeData=true&limit=250`);
  return page.data.map((e) => ({ id: String(e.id), status: e.status, runData: e.data?.resultData?.runData ?? {} }));
}

/** The first item a node put on an output in a run, if any. */
export function itemOf(runData: Record<string, NodeRun[]>, node: string, output = 0): Record<string, unknown> | undefined {
  return runData[node]?.[0]?.data?.main?.[output]?.[0]?.json;
}

/** Fails unless each node ran, in a run without errors. */
export function assertRanThrough(runData: Record<string, NodeRun[]>, nodes: string[], what: string): void {
  for (const [name, runs] of Object.entries(runData)) {
    const error = runs.find((r) => r.error)?.error;
    if (error) fail(`${what}: node "${name}" failed: ${error.message ?? ''} ${error.description ?? ''}`);
  }
  const missing = nodes.filter((n) => !runData[n]);
  if (missing.length) fail(`${what}: expected the run to go through ${nodes.join(' → ')}, but ${missing.join(', ')} did not run (ran: ${Object.keys(runData).join(', ')})`);
}
