import type { CreateWebhookRequest, UnipileClient } from '../unipile/client';
import { paginate } from '../unipile/client';
import { SECRET_HEADER, WEBHOOK_PATH } from './http';

/**
 * The five UniPile webhooks the runtime listens to (reference unipile-api-v1.md §6.1–6.2), created by
 * name so registering again changes nothing. Each sends the shared secret header (UniPile v1 signs
 * nothing) and a JSON Content-Type (API-created webhooks send none by default).
 */
export const WEBHOOK_SOURCES: { source: CreateWebhookRequest['source']; events?: string[] }[] = [
  { source: 'messaging', events: ['message_received', 'message_read', 'message_reaction'] },
  { source: 'users', events: ['new_relation'] },
  { source: 'email', events: ['mail_received', 'mail_sent'] },
  { source: 'email_tracking', events: ['mail_opened', 'mail_link_clicked'] },
  { source: 'account_status' },
];

export interface RegisteredWebhook {
  name: string;
  source: string;
  id: string;
  outcome: 'created' | 'unchanged' | 'replaced';
}

interface ListedWebhook {
  id: string;
  name?: string;
  source?: string;
  request_url?: string;
  headers?: { key?: string; value?: string }[];
}

/** `https://example.com` → `https://example.com/webhooks/unipile` (a full endpoint URL is kept). */
export function webhookUrlFor(publicUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new Error(`--public-url ${JSON.stringify(publicUrl)} is not a URL: give the runtime's public base URL, e.g. https://sequencer.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`--public-url must be http(s), got ${url.protocol}`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith(WEBHOOK_PATH) ? path : `${path}${WEBHOOK_PATH}`;
  return url.href;
}

export async function listWebhooks(client: UnipileClient): Promise<ListedWebhook[]> {
  const all: ListedWebhook[] = [];
  for await (const w of paginate((cursor) => client.listWebhooks({ limit: 100, cursor }))) all.push(w as ListedWebhook);
  return all;
}

/**
 * Creates each missing webhook; one with our name but another URL, source or secret is deleted and
 * created again (v1 has no update). `force` recreates all five, e.g. after rotating the secret when
 * UniPile does not list headers.
 */
export async function registerWebhooks(
  client: UnipileClient,
  o: { publicUrl: string; secret: string; namePrefix?: string; force?: boolean },
): Promise<RegisteredWebhook[]> {
  const requestUrl = webhookUrlFor(o.publicUrl);
  const prefix = o.namePrefix ?? 'sequencer';
  const existing = await listWebhooks(client);
  const results: RegisteredWebhook[] = [];
  for (const { source, events } of WEBHOOK_SOURCES) {
    const name = `${prefix}-${source.replaceAll('_', '-')}`;
    const same = existing.filter((w) => w.name === name);
    const current = same.find((w) => !o.force && w.request_url === requestUrl && (!w.source || w.source === source) && carriesSecret(w, o.secret));
    if (current) {
      results.push({ name, source, id: current.id, outcome: 'unchanged' });
      continue;
    }
    for (const stale of same) await client.deleteWebhook(stale.id);
    const created = await client.createWebhook({
      requestUrl,
      source,
      name,
      events,
      enabled: true,
      format: 'json',
      headers: [
        { key: SECRET_HEADER, value: o.secret },
        { key: 'Content-Type', value: 'application/json' },
      ],
    });
    results.push({ name, source, id: created.webhook_id, outcome: same.length ? 'replaced' : 'created' });
  }
  return results;
}

/** When UniPile lists the headers, the secret must match; when it does not, we cannot tell (use force). */
function carriesSecret(w: ListedWebhook, secret: string): boolean {
  if (!Array.isArray(w.headers)) return true;
  return w.headers.some((h) => h.key?.toLowerCase() === SECRET_HEADER.toLowerCase() && h.value === secret);
}
