import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { N8nInstall } from './install.mts';
import { cleanEnv, type Cleanup, fail, freePort, runCommand, startService, tail, waitFor, type Service } from './proc.mts';

/**
 * A real n8n server on loopback (environment of reference/n8n-real.md: offline, SQLite, its own user
 * folder), set up as a new user would: owner account, an API key for the public API; plus the CLI
 * (`n8n execute`) beside it.
 */

const OWNER = { email: 'owner@sequencer.invalid', firstName: 'Sequencer', lastName: 'Check', password: 'Sequencer-check-2026' };
/** n8n ties its session cookie to a browser id; any constant value works for one client. */
const BROWSER_ID = 'sequencer-n8n-real-check';
/** What the check does with the public API: create credentials and workflows, activate, read executions. */
const API_KEY_SCOPES = ['credential:create', 'workflow:create', 'workflow:activate', 'execution:list', 'execution:read'];

export interface N8nServer {
  url: string;
  service: Service;
  userFolder: string;
  /** The internal REST API and static routes, logged in as the owner. */
  rest(route: string, init?: RequestInit): Promise<Response>;
  /** The public API (`/api/v1`) with the API key; fails the check on a status other than `expect`. */
  api<T = Record<string, unknown>>(method: string, route: string, body?: unknown, expect?: number): Promise<T>;
  /** `n8n execute --id <id> --rawOutput` beside the running server. */
  execute(workflowId: string): Promise<ExecuteResult>;
}

export interface ExecuteResult {
  /** The exit code, or the signal that ended the process. */
  code: number | string | null;
  /** The run data n8n printed (null when it printed none). */
  result: RunResult | null;
  output: string;
  /** Where the whole output is kept. */
  logFile: string;
}

export interface NodeRun {
  executionStatus?: string;
  error?: { message?: string; description?: string };
  data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> };
}

export interface RunResult {
  data?: { resultData?: { runData?: Record<string, NodeRun[]>; error?: { message?: string; description?: string; node?: { name?: string } } } };
  status?: string;
}

/** The environment every n8n process of the check shares (server and CLI). */
function n8nEnv(userFolder: string, port: number, brokerPort: number): NodeJS.ProcessEnv {
  return cleanEnv({
    N8N_USER_FOLDER: userFolder,
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    WEBHOOK_URL: `http://127.0.0.1:${port}/`,
    N8N_ENCRYPTION_KEY: 'sequencer-n8n-real-check-encryption-key',
    N8N_SECURE_COOKIE: 'false',
    DB_TYPE: 'sqlite',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
    // Otherwise it keeps trying to reach n8n's servers.
    N8N_DISABLED_MODULES: 'mcp-registry',
    // Every n8n process (the server, each `n8n execute`) needs a task-runner broker port of its own.
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_LOG_LEVEL: 'info',
  });
}

export async function startN8n(cleanup: Cleanup, install: N8nInstall, userFolder: string, workDir: string): Promise<N8nServer> {
  const port = await freePort();
  const env = n8nEnv(userFolder, port, await freePort());
  const service = startService('n8n', process.execPath, [install.bin, 'start'], { cwd: workDir, env, logFile: path.join(workDir, 'n8n.log') });
  cleanup.add('n8n', () => service.stop());
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `n8n's /healthz/readiness (log: ${service.logFile})`,
    async () => {
      if (service.exited()) fail(`n8n exited during start:\n${tail(service.logFile)}`);
      return (await fetch(`${url}/healthz/readiness`)).status === 200;
    },
    180_000,
    500,
  );

  const setup = await fetch(`${url}/rest/owner/setup`, { method: 'POST', headers: { 'content-type': 'application/json', 'browser-id': BROWSER_ID }, body: JSON.stringify(OWNER) });
  if (setup.status !== 200) fail(`n8n owner setup (POST /rest/owner/setup) answered ${setup.status}: ${await setup.text()}`);
  const cookie = setup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  if (!cookie.includes('n8n-auth=')) fail(`n8n owner setup set no n8n-auth cookie (got "${cookie}")`);

  const rest = (route: string, init: RequestInit = {}) =>
    fetch(`${url}${route}`, { ...init, headers: { cookie, 'browser-id': BROWSER_ID, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>) } });

  const keyResponse = await rest('/rest/api-keys', { method: 'POST', body: JSON.stringify({ label: 'sequencer check', expiresAt: null, scopes: API_KEY_SCOPES }) });
  const keyBody = (await keyResponse.json()) as { data?: { rawApiKey?: string } };
  const apiKey = keyBody.data?.rawApiKey;
  if (keyResponse.status !== 200 || !apiKey) fail(`creating an n8n API key (POST /rest/api-keys) answered ${keyResponse.status}: ${JSON.stringify(keyBody)}`);

  return {
    url,
    service,
    userFolder,
    rest,
    async api<T>(method: string, route: string, body?: unknown, expect = 200): Promise<T> {
      const response = await fetch(`${url}/api/v1${route}`, {
        method,
        headers: { 'x-n8n-api-key': apiKey, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status !== expect) fail(`n8n public API ${method} ${route} answered ${response.status} (expected ${expect}): ${text.slice(0, 2000)}`);
      return (text ? JSON.parse(text) : {}) as T;
    },
    async execute(workflowId) {
      const cliEnv = { ...env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
      const { code, signal, stdout, stderr } = await runCommand(process.execPath, [install.bin, 'execute', '--id', workflowId, '--rawOutput'], { cwd: workDir, env: cliEnv, timeoutMs: 180_000 });
      // The run data is the block from the first line that is exactly "{" to the next that is exactly "}";
      // n8n's log lines come before and after it.
      const lines = stdout.split('\n');
      const start = lines.indexOf('{');
      const end = lines.indexOf('}', start);
      let result: RunResult | null = null;
      if (start >= 0 && end > start) {
        try {
          result = JSON.parse(lines.slice(start, end + 1).join('\n')) as RunResult;
        } catch {
          result = null;
        }
      }
      const output = `${stdout}\n${stderr}`.trim();
      const logFile = path.join(workDir, `n8n-execute-${workflowId}.log`);
      writeFileSync(logFile, output);
      return { code: code ?? signal, result, output, logFile };
    },
  };
}
