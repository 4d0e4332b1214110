import { randomUUID } from 'node:crypto';
import type { ChildRuntime } from '../support/child-runtime';
import { openTestDb, type TestDb } from '../support/db';
import { startChild, WEBHOOK_SECRET } from './support';

/**
 * 1,000 hostile requests at the webhook endpoint: no crash, no row from an unauthenticated
 * request, and every authenticated JSON object (whatever its shape) stored.
 */
let db: TestDb;
let runtime: ChildRuntime;
beforeAll(async () => {
  db = await openTestDb();
  runtime = await startChild(db.url, db.schema);
});
afterAll(async () => {
  await runtime.kill('SIGTERM');
  await db.close();
});

type Attack = { name: string; headers: Record<string, string>; body: string | Buffer; authenticated: boolean; storable: boolean };

const nested = (depth: number) => `{"event":"message_received","message_id":"${randomUUID()}","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const big = Buffer.alloc(5 * 1024 * 1024, 'a');

function attack(i: number): Attack {
  const auth = { 'x-webhook-secret': WEBHOOK_SECRET };
  const object = (extra: Record<string, unknown>) => JSON.stringify({ event: 'message_received', message_id: `hostile-${i}`, ...extra });
  switch (i % 10) {
    case 0:
      return { name: 'no secret', headers: {}, body: object({}), authenticated: false, storable: false };
    case 1:
      return { name: 'wrong secret', headers: { 'x-webhook-secret': `${WEBHOOK_SECRET}x` }, body: object({}), authenticated: false, storable: false };
    case 2:
      return { name: 'invalid JSON', headers: auth, body: `{"event": "message_received", "message_id": "${i}"`, authenticated: true, storable: false };
    case 3:
      return { name: '5 MiB body', headers: auth, body: big, authenticated: true, storable: false };
    case 4:
      return { name: '5 MiB body without secret', headers: {}, body: big, authenticated: false, storable: false };
    case 5:
      return { name: 'deep nesting', headers: auth, body: nested(i % 20 === 5 ? 50_000 : 2_000), authenticated: true, storable: true };
    case 6:
      return { name: 'wrong types', headers: auth, body: object({ account_id: 42, sender: 'nobody', attachments: 'x', is_sender: 'maybe', timestamp: [] }), authenticated: true, storable: true };
    case 7:
      return { name: 'a JSON array', headers: auth, body: '[1,2,3]', authenticated: true, storable: false };
    case 8:
      return { name: 'NUL bytes and odd unicode', headers: auth, body: object({ message: 'a\u0000b\ud800c' }), authenticated: true, storable: true };
    default:
      return { name: 'unknown event', headers: auth, body: JSON.stringify({ event: `weird_${i}`, id: i }), authenticated: true, storable: true };
  }
}

it('survives 1,000 hostile requests, stores nothing unauthenticated and every authenticated JSON object', async () => {
  const attacks = Array.from({ length: 1000 }, (_, i) => attack(i));
  const statuses: number[] = [];
  for (let i = 0; i < attacks.length; i += 20) {
    const batch = attacks.slice(i, i + 20);
    statuses.push(
      ...(await Promise.all(
        batch.map((a) =>
          fetch(`${runtime.url}/webhooks/unipile`, { method: 'POST', headers: a.headers, body: a.body }).then(
            (r) => r.status,
            () => 0,
          ),
        ),
      )),
    );
  }
  expect(runtime.proc.exitCode).toBeNull();
  expect((await fetch(`${runtime.url}/healthz`)).status).toBe(200);

  const byName = new Map<string, Set<number>>();
  attacks.forEach((a, i) => byName.set(a.name, (byName.get(a.name) ?? new Set()).add(statuses[i])));
  expect(byName.get('no secret')).toEqual(new Set([401]));
  expect(byName.get('wrong secret')).toEqual(new Set([401]));
  expect([...byName.get('5 MiB body without secret')!].every((s) => s === 401 || s === 413 || s === 0)).toBe(true);
  expect(byName.get('invalid JSON')).toEqual(new Set([400]));
  expect(byName.get('5 MiB body')).toEqual(new Set([413]));
  expect(byName.get('a JSON array')).toEqual(new Set([400]));
  for (const name of ['deep nesting', 'wrong types', 'NUL bytes and odd unicode', 'unknown event']) expect(byName.get(name)).toEqual(new Set([200]));

  const storable = attacks.filter((a) => a.storable).length;
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${db.schema}".webhook_events`);
  // The wrong-types bodies share message ids with nothing else, so each stored once; deep nesting has its own ids.
  expect(rows[0].n).toBe(storable);
});
