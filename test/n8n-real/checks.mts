import { readFileSync } from 'node:fs';
import { PACKAGE } from './install.mts';
import type { N8nServer } from './n8n.mts';
import { fail } from './proc.mts';

/**
 * What the running n8n says about our package: the node and credential types it loaded from the
 * installed tarball (with icons it can serve), and whether a workflow's parameters and credentials
 * exist on the node types it uses — n8n silently drops unknown parameters when it runs a node, so a
 * template with a misspelt or removed parameter would otherwise just behave differently.
 */

/** The node and credential names of the package contract (DESIGN §5, credentials/). */
export const OUR_NODES = ['aiClassify', 'conditionBranch', 'inboxUpsert', 'rateGate', 'sequenceStep', 'sequencerTrigger', 'unipileSend'];
export const OUR_CREDENTIALS = ['sequencerDatabase', 'sequencerOpenAi', 'unipileApi'];

type IconUrl = string | { light?: string; dark?: string } | undefined;

interface Property {
  name: string;
  type: string;
  options?: Array<Property & { values?: Property[] }>;
}

export interface NodeTypeDescription {
  name: string;
  displayName: string;
  version: number | number[];
  iconUrl?: IconUrl;
  properties: Property[];
  credentials?: Array<{ name: string }>;
}

interface CredentialTypeDescription {
  name: string;
  displayName: string;
  iconUrl?: IconUrl;
}

export interface WorkflowJson {
  name: string;
  nodes: Array<{ name: string; type: string; typeVersion: number; parameters: Record<string, unknown>; credentials?: Record<string, { id: string; name: string }> }>;
  connections: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

async function typesOf<T>(n8n: N8nServer, file: 'nodes' | 'credentials'): Promise<T[]> {
  const response = await n8n.rest(`/types/${file}.json`);
  if (response.status !== 200) fail(`GET /types/${file}.json answered ${response.status}`);
  return (await response.json()) as T[];
}

async function checkIcon(n8n: N8nServer, owner: string, iconUrl: IconUrl): Promise<number> {
  const urls = typeof iconUrl === 'string' ? [iconUrl] : [iconUrl?.light, iconUrl?.dark].filter((u): u is string => !!u);
  if (urls.length === 0) fail(`${owner} has no icon in n8n (no iconUrl): check its \`icon\` and that the SVG is in the package`);
  for (const url of urls) {
    const response = await n8n.rest(`/${url.replace(/^\//, '')}`);
    const body = await response.text();
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('image/svg') || !body.includes('<svg')) {
      fail(`${owner}: its icon ${url} is missing from the installed package (n8n answered ${response.status} ${type}): is the SVG in nodes/ or credentials/ and copied by \`gulp build:icons\`?`);
    }
  }
  return urls.length;
}

/** The seven node types and three credential types, as n8n loaded them, each with its icons served. */
export async function checkPackageLoaded(n8n: N8nServer): Promise<{ nodeTypes: NodeTypeDescription[]; icons: number }> {
  const nodeTypes = await typesOf<NodeTypeDescription>(n8n, 'nodes');
  const prefix = `${PACKAGE.name}.`;
  const ours = nodeTypes.filter((t) => t.name.startsWith(prefix) && OUR_NODES.includes(t.name.slice(prefix.length)));
  const loaded = new Set(ours.map((t) => t.name.slice(prefix.length)));
  const missing = OUR_NODES.filter((n) => !loaded.has(n));
  if (missing.length > 0) {
    const custom = nodeTypes.filter((t) => t.name.startsWith('CUSTOM.')).map((t) => t.name);
    fail(
      `n8n did not load ${missing.map((n) => prefix + n).join(', ')} from the installed package` +
        (custom.length ? ` (it has ${custom.join(', ')}: loaded as custom nodes, not as the package)` : '') +
        `. n8n's log about the package:\n${packageLogLines(n8n)}`,
    );
  }
  let icons = 0;
  for (const type of ours) icons += await checkIcon(n8n, `node type ${type.name}`, type.iconUrl);

  const credentialTypes = await typesOf<CredentialTypeDescription>(n8n, 'credentials');
  for (const name of OUR_CREDENTIALS) {
    const type = credentialTypes.find((c) => c.name === name);
    if (!type) fail(`n8n did not load the credential type ${name} from the installed package. n8n's log about the package:\n${packageLogLines(n8n)}`);
    icons += await checkIcon(n8n, `credential type ${name}`, type.iconUrl);
  }
  return { nodeTypes, icons };
}

/** The lines of n8n's log about our package or a failure to load something (the cause comes first). */
function packageLogLines(n8n: N8nServer): string {
  const lines = readFileSync(n8n.service.logFile, 'utf8')
    .split('\n')
    .filter((line) => !/^(Starting|Finished) migration/.test(line))
    .filter((line) => line.includes(PACKAGE.name) || /failed to load|cannot find|error/i.test(line));
  return lines.length ? lines.slice(0, 30).join('\n') : `(nothing: see the whole log, ${n8n.service.logFile})`;
}

/** The description n8n has for a node type at a version, or undefined. */
function descriptionOf(nodeTypes: NodeTypeDescription[], type: string, version: number): NodeTypeDescription | undefined {
  return nodeTypes.find((t) => t.name === type && (Array.isArray(t.version) ? t.version.includes(version) : t.version === version));
}

/** Every key of `values` must be a parameter of `properties`; collections and fixed collections are checked inside. */
function unknownParameters(values: Record<string, unknown>, properties: Property[], where: string): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const candidates = properties.filter((p) => p.name === key);
    if (candidates.length === 0) {
      problems.push(`${where}${key}`);
      continue;
    }
    const nested = candidates.find((p) => (p.type === 'collection' || p.type === 'fixedCollection') && p.options);
    if (!nested || !value || typeof value !== 'object' || Array.isArray(value)) continue;
    if (nested.type === 'collection') {
      problems.push(...unknownParameters(value as Record<string, unknown>, nested.options!, `${where}${key}.`));
      continue;
    }
    for (const [group, entries] of Object.entries(value as Record<string, unknown>)) {
      const groupProperty = nested.options!.find((o) => o.name === group);
      if (!groupProperty) {
        problems.push(`${where}${key}.${group}`);
        continue;
      }
      const list = Array.isArray(entries) ? entries : [entries];
      list.forEach((entry, i) => {
        if (entry && typeof entry === 'object') problems.push(...unknownParameters(entry as Record<string, unknown>, groupProperty.values ?? [], `${where}${key}.${group}[${i}].`));
      });
    }
  }
  return problems;
}

/** Fails when a workflow uses a node type, version, parameter or credential that n8n's node types do not have. */
export function checkWorkflowAgainstNodeTypes(workflow: WorkflowJson, file: string, nodeTypes: NodeTypeDescription[]): void {
  const problems: string[] = [];
  for (const node of workflow.nodes) {
    const description = descriptionOf(nodeTypes, node.type, node.typeVersion);
    if (!description) {
      problems.push(`node "${node.name}": n8n has no node type ${node.type} version ${node.typeVersion}`);
      continue;
    }
    for (const parameter of unknownParameters(node.parameters ?? {}, description.properties, '')) {
      problems.push(`node "${node.name}" (${node.type}): parameter "${parameter}" does not exist on this node type`);
    }
    const accepted = new Set((description.credentials ?? []).map((c) => c.name));
    for (const credential of Object.keys(node.credentials ?? {})) {
      if (!accepted.has(credential)) problems.push(`node "${node.name}" (${node.type}): credential type "${credential}" is not one this node takes`);
    }
  }
  if (problems.length > 0) fail(`${file} does not match the node types n8n loaded:\n  - ${problems.join('\n  - ')}`);
}
