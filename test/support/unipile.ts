import nock from 'nock';

/**
 * A fake UniPile tenant at the HTTP layer (nock): every request is captured with its method, path,
 * query, headers and body, so tests can assert the exact wire format. Multipart bodies are parsed
 * back into FormData with the platform's own parser.
 */
export const DSN = 'api1.unipile.com:13111';
export const ORIGIN = 'https://api1.unipile.com:13111';
export const API_KEY = 'test-unipile-key';

export interface CapturedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** JSON bodies as nock parsed them; multipart as the raw text (see `formOf`). */
  body: unknown;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Answers `method path` (path without query, under /api/v1) `times` times, capturing each request. */
export function fakeUnipile(method: string, path: string, reply: Reply, times = 1): { scope: nock.Scope; requests: CapturedRequest[] } {
  const requests: CapturedRequest[] = [];
  const scope = nock(ORIGIN)
    .intercept((uri) => uri.split('?')[0] === `/api/v1${path}`, method)
    .times(times)
    .reply(function (uri, body) {
      const url = new URL(uri, ORIGIN);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(this.req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
      requests.push({ method: this.req.method ?? method, path: url.pathname, query: url.searchParams, headers, body });
      return [reply.status, reply.body === undefined ? '' : JSON.stringify(reply.body), reply.headers ?? {}];
    });
  return { scope, requests };
}

/** The multipart body of a captured request as FormData (repeated fields stay repeated). */
export async function formOf(request: CapturedRequest): Promise<FormData> {
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) throw new Error(`not a multipart request: content-type ${type}`);
  const raw = String(request.body);
  // nock hands binary bodies over hex-encoded
  const bytes = /^[0-9a-f]+$/i.test(raw) && raw.length % 2 === 0 ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'utf8');
  return new Response(bytes, { headers: { 'content-type': type } }).formData();
}

/** Text fields of a form as [name, value] pairs in order (files as `file:<name>:<type>:<content>`). */
export async function fieldsOf(form: FormData): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of form.entries()) {
    out.push([name, typeof value === 'string' ? value : `file:${value.name}:${value.type}:${Buffer.from(await value.arrayBuffer()).toString('base64')}`]);
  }
  return out;
}

export const sendResponses = {
  messageSent: { object: 'MessageSent', message_id: '3aRdnf34UiympaebB4-NRA' },
  chatStarted: { object: 'ChatStarted', chat_id: 'vISKyHtDUmagrk6vrnlXhw', message_id: '3aRdnf34UiympaebB4-NRA' },
  invitationSent: { object: 'UserInvitationSent', invitation_id: '7221821214065876992' },
  emailSent: { object: 'EmailSent', tracking_id: 'Z-4Nx5bMR86b9NVCloU1gg' },
};

export function accountList(accounts: Array<{ id: string; type: string; name?: string }>) {
  return {
    object: 'AccountList',
    items: accounts.map((a) => ({ object: 'Account', id: a.id, type: a.type, name: a.name ?? a.id, created_at: '2026-01-01T00:00:00.000Z', sources: [{ id: `${a.id}_MESSAGING`, status: 'OK' }] })),
    cursor: null,
  };
}

export function linkedinProfile(providerId: string, slug: string, extra: Record<string, unknown> = {}) {
  return {
    object: 'UserProfile',
    provider: 'LINKEDIN',
    provider_id: providerId,
    public_identifier: slug,
    first_name: 'Jane',
    last_name: 'Prospect',
    headline: 'VP Sales',
    network_distance: 'SECOND_DEGREE',
    is_relationship: false,
    ...extra,
  };
}
