import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../runtime/db/embedded';
import { createPool } from '../../runtime/db/pool';
import { silentLogger } from '../../runtime/log';
import type { ChildRuntime } from '../support/child-runtime';
import { freePort } from '../support/global-setup';
import { startChild, waitFor, WEBHOOK_SECRET } from './support';

/**
 * Postgres restarted under load: the runtime keeps running, /readyz goes 503 and back to 200
 * within 15 s without a restart, and no delivery it acknowledged is lost.
 */
const dataDir = path.resolve(__dirname, `../../.data/fault-pg-${process.pid}`);
let pg: EmbeddedDatabase;
let port: number;
let runtime: ChildRuntime;

const start = () => startEmbeddedPostgres({ dataDir, port, log: silentLogger, settings: { fsync: 'off' } });

beforeAll(async () => {
  port = await freePort();
  pg = await start();
  runtime = await startChild(pg.url, 'restart');
});
afterAll(async () => {
  await runtime?.kill('SIGTERM');
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function delivery(id: string): string {
  return JSON.stringify({
    event: 'message_received',
    account_id: 'acc-restart',
    account_info: { type: 'LINKEDIN', user_id: 'ACoAAOwn' },
    chat_id: 'chat-1',
    message_id: id,
    message: 'hello',
    timestamp: new Date().toISOString(),
    sender: { attendee_provider_id: 'ACoAAProspect', attendee_name: 'Pat' },
    attendees: [],
  });
}

it('rides out a Postgres restart without losing an acknowledged delivery', async () => {
  const pid = runtime.proc.pid;
  const acknowledged: string[] = [];
  const readiness: { at: number; status: number }[] = [];
  let running = true;
  const load = Promise.all(
    Array.from({ length: 8 }, async () => {
      while (running) {
        const id = randomUUID();
        const status = await fetch(`${runtime.url}/webhooks/unipile`, { method: 'POST', headers: { 'x-webhook-secret': WEBHOOK_SECRET }, body: delivery(id) }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) acknowledged.push(id);
        else await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
  const probe = (async () => {
    while (running) {
      readiness.push({ at: Date.now(), status: await fetch(`${runtime.url}/readyz`).then((r) => r.status, () => 0) });
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  await new Promise((r) => setTimeout(r, 2000));
  const acknowledgedBefore = acknowledged.length;
  await pg.stop();
  const downAt = Date.now();
  await waitFor('/readyz to say 503', () => readiness.some((p) => p.at > downAt && p.status === 503), 10_000, 100).catch((e: Error) => {
    throw new Error(`${e.message}; runtime said: ${runtime.output().slice(-1500)}; probes: ${JSON.stringify(readiness.slice(-10).map((p) => [p.at - downAt, p.status]))}, acknowledged ${acknowledged.length}`);
  });
  await new Promise((r) => setTimeout(r, 2000));
  pg = await start();
  const upAt = Date.now();
  await waitFor('/readyz to be 200 again', () => readiness.some((p) => p.at > upAt && p.status === 200), 15_000, 100);
  const backAfter = readiness.find((p) => p.at > upAt && p.status === 200)!.at - upAt;
  const acknowledgedAtRecovery = acknowledged.length;
  await waitFor('deliveries to be accepted again', () => acknowledged.length > acknowledgedAtRecovery + 50, 15_000, 100);
  running = false;
  await Promise.all([load, probe]);

  expect(runtime.proc.exitCode).toBeNull();
  expect(runtime.proc.pid).toBe(pid);
  expect(backAfter).toBeLessThanOrEqual(15_000);
  expect(acknowledgedBefore).toBeGreaterThan(0);
  const pool = createPool(pg.url);
  const { rows } = await pool.query<{ dedupe_key: string }>(`SELECT dedupe_key FROM restart.webhook_events`);
  await pool.end();
  const stored = new Set(rows.map((r) => r.dedupe_key));
  const lost = acknowledged.filter((id) => ![...stored].some((k) => k.includes(id)));
  expect(lost).toEqual([]);
  console.log(`${acknowledged.length} deliveries acknowledged, ${stored.size} stored; /readyz back ${backAfter} ms after Postgres`);
});
