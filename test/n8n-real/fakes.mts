import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The outside world on loopback: a UniPile tenant and an OpenAI-compatible endpoint, as real HTTP
 * servers (n8n, the runtime and the CLI are separate processes, so nock cannot stand in). Each records
 * every request it gets; bodies follow reference/unipile-api-v1.md §5 and §12.
 */

export interface RecordedRequest {
  at: number;
  method: string;
  /** Without the `/api/v1` (UniPile) or `/v1` (OpenAI) prefix. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** JSON bodies parsed; multipart forms as field → value(s); otherwise the text. */
  body: unknown;
}

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Answer = [status: number, body: unknown];

async function readBody(req: IncomingMessage, headers: Record<string, string>): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return undefined;
  const type = headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const fields: Record<string, string | string[]> = {};
    for (const [name, value] of form.entries()) {
      const text = typeof value === 'string' ? value : `file:${value.name}`;
      const previous = fields[name];
      fields[name] = previous === undefined ? text : [...(Array.isArray(previous) ? previous : [previous]), text];
    }
    return fields;
  }
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function serve(prefix: string, answer: (request: RecordedRequest) => Answer): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) headers[key] = Array.isArray(value) ? value.join(', ') : String(value);
    const url = new URL(req.url ?? '/', 'http://fake');
    readBody(req, headers).then(
      (body) => {
        const request: RecordedRequest = { at: Date.now(), method: req.method ?? 'GET', path: url.pathname.replace(prefix, ''), query: url.searchParams, headers, body };
        requests.push(request);
        const [status, json] = answer(request);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      },
      (error: Error) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 400, title: error.message })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let counter = 0;
/** Ids shaped like UniPile's (url-safe base64-ish), unique per run. */
const uniqueId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(++counter).toString(36).padStart(4, '0')}`;

/** The LinkedIn member id the fake tenant gives a profile slug (UniPile's `ACoAA…` shape). */
export const providerIdOf = (slug: string) => `ACoAA${slug.replace(/[^A-Za-z0-9]/g, '')}Member`;

export interface FakeAccount {
  id: string;
  type: 'LINKEDIN' | 'WHATSAPP' | 'GOOGLE_OAUTH';
  name: string;
  /** `connection_params.im.id`: the account's own member id (tells our messages from replies). */
  ownId?: string;
}

const accountBody = (a: FakeAccount) => ({
  object: 'Account',
  id: a.id,
  name: a.name,
  type: a.type,
  created_at: '2026-01-05T10:00:00.000Z',
  connection_params: a.ownId ? { im: { id: a.ownId, username: a.name } } : {},
  sources: [{ id: `${a.id}_MESSAGING`, status: 'OK' }],
  groups: [],
});

/**
 * The tenant's accounts (GET /accounts), ids fixed so workflows can name them: one LinkedIn, one email,
 * two WhatsApp numbers.
 */
export const TENANT_ACCOUNTS: FakeAccount[] = [
  { id: 'acc_n8n_linkedin', type: 'LINKEDIN', name: 'Sales LinkedIn', ownId: 'ACoAAOwnSalesMember01' },
  { id: 'acc_n8n_mail', type: 'GOOGLE_OAUTH', name: 'sales@seller.example' },
  { id: 'acc_n8n_whatsapp', type: 'WHATSAPP', name: 'Sales WhatsApp', ownId: '33100000000@s.whatsapp.net' },
  { id: 'acc_n8n_whatsapp_2', type: 'WHATSAPP', name: 'Support WhatsApp', ownId: '33100000001@s.whatsapp.net' },
];

const emptyList = (object: string) => ({ object, items: [], cursor: null });

export const UNIPILE_API_KEY = 'n8n-real-unipile-key';

export function fakeUnipile(accounts: FakeAccount[] = TENANT_ACCOUNTS): Promise<FakeServer> {
  return serve('/api/v1', (r): Answer => {
    if (r.headers['x-api-key'] !== UNIPILE_API_KEY) return [401, { status: 401, type: 'errors/missing_credentials', title: 'Missing credentials' }];
    const { method, path } = r;
    if (method === 'GET' && path === '/accounts') return [200, { object: 'AccountList', items: accounts.map(accountBody), cursor: null }];
    const account = /^\/accounts\/([^/]+)$/.exec(path);
    if (method === 'GET' && account) {
      const found = accounts.find((a) => a.id === decodeURIComponent(account[1]));
      return found ? [200, accountBody(found)] : [404, { status: 404, type: 'errors/resource_not_found', title: 'Account not found' }];
    }
    if (method === 'GET' && path === '/users/relations') return [200, emptyList('UserRelationsList')];
    if (method === 'GET' && path === '/users/invite/sent') return [200, emptyList('UserInvitationsSentList')];
    const profile = /^\/users\/([^/]+)$/.exec(path);
    if (method === 'GET' && profile) {
      const identifier = decodeURIComponent(profile[1]);
      const slug = identifier.startsWith('ACoAA') ? null : identifier;
      return [
        200,
        {
          object: 'UserProfile',
          provider: 'LINKEDIN',
          provider_id: slug ? providerIdOf(slug) : identifier,
          public_identifier: slug,
          first_name: 'Jane',
          last_name: 'Prospect',
          headline: 'VP Sales at Acme',
          location: 'Paris, France',
          websites: [],
          is_relationship: false,
          network_distance: 'SECOND_DEGREE',
          public_profile_url: slug ? `https://www.linkedin.com/in/${slug}` : null,
        },
      ];
    }
    if (method === 'POST' && path === '/users/invite') return [201, { object: 'UserInvitationSent', invitation_id: String(7221821214065876992n + BigInt(++counter)) }];
    if (method === 'GET' && path === '/chats') return [200, emptyList('ChatList')];
    if (method === 'POST' && path === '/chats') return [201, { object: 'ChatStarted', chat_id: uniqueId('chat'), message_id: uniqueId('msg') }];
    if (method === 'GET' && (path === '/messages' || /^\/chats\/[^/]+\/messages$/.test(path))) return [200, emptyList('MessageList')];
    if (method === 'POST' && /^\/chats\/[^/]+\/messages$/.test(path)) return [201, { object: 'MessageSent', message_id: uniqueId('msg') }];
    if (method === 'GET' && path === '/emails') return [200, emptyList('EmailList')];
    if (method === 'POST' && path === '/emails') return [201, { object: 'EmailSent', tracking_id: uniqueId('trk') }];
    return [404, { status: 404, type: 'errors/resource_not_found', title: `the fake UniPile has no ${method} ${path}` }];
  });
}

/** What the fake model answers: the category of the first phrase the prompt contains, else `other`. */
export function fakeOpenAi(answers: Record<string, string>): Promise<FakeServer> {
  return serve('/v1', (r): Answer => {
    if (r.method === 'GET' && r.path === '/models') return [200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1, owned_by: 'fake' }] }];
    if (r.method !== 'POST' || r.path !== '/chat/completions') return [404, { error: { message: `the fake OpenAI has no ${r.method} ${r.path}`, type: 'invalid_request_error' } }];
    const prompt = JSON.stringify((r.body as { messages?: unknown }).messages ?? '');
    const category = Object.entries(answers).find(([phrase]) => prompt.includes(phrase))?.[1] ?? 'other';
    const content = JSON.stringify({ category, confidence: 0.93, sentiment: 'positive', language: 'en', reason: 'fake model', oooReturnDate: null });
    return [
      200,
      {
        id: uniqueId('chatcmpl-'),
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: 'gpt-4o-mini',
        choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content, refusal: null } }],
        usage: { prompt_tokens: 200, completion_tokens: 30, total_tokens: 230 },
      },
    ];
  });
}
