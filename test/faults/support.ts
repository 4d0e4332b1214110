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
