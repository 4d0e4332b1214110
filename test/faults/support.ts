import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../runtime/context';
import { createSequence } from '../../runtime/sequences/definitions';
import { registerSubscription } from '../../runtime/subscriptions/registry';
import { spawnRuntime, type ChildRuntime } from '../support/child-runtime';
import { freePort } from '../support/global-setup';

export const WEBHOOK_SECRET = 'fault-webhook-secret-0123456789';
export const API_TOKEN = 'fault-api-token-0123456789abcd';
export const ALWAYS_OPEN = { timezone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '23:59' } };

export interface Delivery {
  deliveryId: string;
  enrollmentId: string;
  at: number;
  headers: IncomingHttpHeaders;
}

/** A stand-in for n8n's webhook: answers with `status()` (200 by default) and records every POST. */
export interface Sink {
  url: string;
  received: Delivery[];
  status: number;
  close(): Promise<void>;
}

export function startSink(delayMs = 0): Promise<Sink> {
  const sink = { received: [] as Delivery[], status: 200 } as Sink;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const reply = () => {
        const parsed = JSON.parse(body) as { deliveryId: string; enrollment: { id: string } };
        if (sink.status >= 200 && sink.status < 300) sink.received.push({ deliveryId: parsed.deliveryId, enrollmentId: parsed.enrollment.id, at: Date.now(), headers: req.headers });
        res.writeHead(sink.status).end();
      };
      if (delayMs) setTimeout(reply, delayMs);
      else reply();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      sink.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/webhook/steps`;
      sink.close = () => new Promise((r) => server.close(() => r()));
      resolve(sink);
    }),
  );
}

export async function startChild(databaseUrl: string, schema: string, env: Record<string, string> = {}): Promise<ChildRuntime> {
  const child = spawnRuntime({
    DATABASE_URL: databaseUrl,
    SEQUENCER_SCHEMA: schema,
    PORT: String(await freePort()),
    SEQUENCER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    SEQUENCER_API_TOKEN: API_TOKEN,
    LOG_LEVEL: 'warn',
    ...env,
  });
  await child.waitReady(60_000);
  return child;
}

/** A sequence whose steps go to the sink; the calendar is always open so due means now. */
export async function sequenceToSink(ctx: Ctx, key: string, sink: Sink): Promise<void> {
  await createSequence(ctx, { key, settings: ALWAYS_OPEN });
  await registerSubscription(ctx.pool, ctx.schema, { url: sink.url, events: ['sequence.step'], sequenceKey: key, secret: randomBytes(16).toString('hex') });
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const contacts = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@fault.example` }));

/** A send UniPile answered: the endpoint, the recipient (`attendees_ids`) and the status it got. */
export interface ProviderSend {
  path: string;
  to: string;
  status: number;
}

/**
 * A UniPile tenant on 127.0.0.1, reachable from every process (nock only patches its own): answers
 * `POST /api/v1/chats` with a started chat, or — while `busy` — with UniPile's 429 envelope and a
 * `Retry-After`. Every send it answered is in `sends`.
 */
export interface FakeUnipile {
  dsn: string;
  sends: ProviderSend[];
  busy: boolean;
  retryAfterSeconds: number;
  close(): Promise<void>;
}

export function startFakeUnipile(): Promise<FakeUnipile> {
  const fake = { sends: [] as ProviderSend[], busy: false, retryAfterSeconds: 120 } as FakeUnipile;
  let ids = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = (req.url ?? '').split('?')[0];
        const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
          res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
        if (req.method !== 'POST' || path !== '/api/v1/chats') {
          reply(404, { status: 404, type: 'errors/not_found', title: `no fake for ${req.method} ${path}` });
          return;
        }
        const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
        const status = fake.busy ? 429 : 201;
        fake.sends.push({ path, to: String(form.get('attendees_ids')), status });
        if (fake.busy) {
          const envelope = { status: 429, type: 'errors/too_many_requests', title: 'Too many requests', detail: 'The provider is limiting this account' };
          reply(429, envelope, { 'retry-after': String(fake.retryAfterSeconds) });
        } else {
          ids += 1;
          reply(201, { object: 'ChatStarted', chat_id: `chat_fault_${ids}`, message_id: `msg_fault_${ids}` });
        }
      })();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      fake.dsn = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      fake.close = () => new Promise((r) => server.close(() => r()));
      resolve(fake);
    }),
  );
}
