import { closeAllConnections } from '../../nodes/shared/database';
import { jobsSchemaOf, q } from '../../runtime/db/identifier';
import { QUEUES } from '../../runtime/jobs/boss';
import { enroll } from '../../runtime/sequences/enroll';
import type { ChildRuntime } from '../support/child-runtime';
import { openTestDb, type TestDb } from '../support/db';
import { makeDue, timelineOf } from '../support/engine';
import { assertSucceeded, FlowDriver, seedAccount } from '../support/flows';
import { outputOf } from '../support/n8n';
import { startChild, startFakeUnipile, waitFor, type FakeUnipile } from './support';

/**
 * UniPile answering 429 to every send. The real runtime (a child process) dispatches the WhatsApp
 * nurture's first step for 30 contacts to a stand-in for n8n that runs the real template in-process
 * (Trigger → Rate Gate → UniPile Send → …) against a fake UniPile on 127.0.0.1. While UniPile says
 * "too many requests" the account's `whatsapp` action cools down until its Retry-After, every step
 * is put off until then (by the 429 itself or by the Rate Gate honouring the cooldown) and none is
 * failed, stopped or lost; once UniPile recovers and the cooldown ends, every contact gets exactly
 * one successful send, also when a delivery is repeated.
 */
const CONTACTS = 30;
const ACCOUNT = 'acc_whatsapp_429';
// No caps and no spacing: only the provider's 429 and the cooldown it causes hold sends back.
const UNCAPPED = { whatsapp: { hourly: null, daily: null, weekly: null, minSpacingSeconds: 0, jitterSeconds: 0 } };

let db: TestDb;
let unipile: FakeUnipile;
let flow: FlowDriver;
let runtime: ChildRuntime;
let sequenceKey: string;

beforeAll(async () => {
  db = await openTestDb();
  unipile = await startFakeUnipile();
  await seedAccount(db, { id: ACCOUNT, provider: 'WHATSAPP', ownProviderId: '33100000429@s.whatsapp.net', limits: UNCAPPED });
  flow = await FlowDriver.start(db, 'whatsapp-nurture', { unipileDsn: unipile.dsn, runtime: 'external' });
  sequenceKey = await flow.createSequence();
  flow.runEveryDelivery();
  runtime = await startChild(db.url, db.schema);
});
afterAll(async () => {
  await runtime?.kill('SIGTERM');
  await flow?.idle();
  await flow?.close();
  await unipile?.close();
  await closeAllConnections();
  await db?.close();
});

const s = () => q(db.schema);
const phoneOf = (i: number) => `+33612${String(i).padStart(6, '0')}`;
const attendeeOf = (phone: string) => `${phone.slice(1)}@s.whatsapp.net`;

/** Waits until `total` runs have finished, then checks that none threw or ended in an error. */
async function runsFinished(total: number): Promise<void> {
  await waitFor(`${total} workflow runs`, () => flow.autoRuns.length >= total, 45_000, 100);
  await flow.idle();
  expect(flow.autoRuns.filter((r) => r.error).map((r) => r.error!.message)).toEqual([]);
  flow.autoRuns.forEach((r) => assertSucceeded(r.flow!));
}

async function enrollments(ids: string[]) {
  const { rows } = await db.pool.query<{ id: string; status: string; current_step: string | null; next_step: string | null; next_run_at: Date | null; stop_reason: string | null }>(
    `SELECT id, status, current_step, next_step, next_run_at, stop_reason FROM ${s()}.enrollments WHERE id = ANY($1) ORDER BY id`,
    [ids],
  );
  return rows;
}

async function cooldown() {
  const { rows } = await db.pool.query<{ cooldown_until: Date | null; cooldown_reason: string | null }>(
    `SELECT cooldown_until, cooldown_reason FROM ${s()}.rate_state WHERE account_id = $1 AND action = 'whatsapp'`,
    [ACCOUNT],
  );
  return rows[0];
}

async function introMessages() {
  const { rows } = await db.pool.query<{ enrollment_id: string; status: string; error_class: string | null }>(
    `SELECT enrollment_id, status, error->>'class' AS error_class FROM ${s()}.messages WHERE account_id = $1 AND step = 'wa_intro'`,
    [ACCOUNT],
  );
  return rows;
}

async function pendingStepJobs(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${q(jobsSchemaOf(db.schema))}.job WHERE name = $1 AND state IN ('created', 'retry')`,
    [QUEUES.step],
  );
  return rows[0].n;
}

/** Provider calls that went through, per recipient. */
function successfulSendsByRecipient(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const send of unipile.sends.filter((x) => x.status === 201)) counts.set(send.to, (counts.get(send.to) ?? 0) + 1);
  return counts;
}

it('cools down, defers every step without losing one, and sends each exactly once after recovery', async () => {
  // ——— UniPile answers 429 to every send ———
  unipile.busy = true;
  unipile.retryAfterSeconds = 120;
  const startedAt = Date.now();
  const phones = Array.from({ length: CONTACTS }, (_, i) => phoneOf(i));
  const results = await enroll(db, { sequenceKey, accountId: ACCOUNT, contacts: phones.map((phone) => ({ phone, firstName: 'Ana' })) });
  expect(results.map((r) => r.outcome)).toEqual(phones.map(() => 'enrolled'));
  const ids = results.map((r) => r.enrollmentId!);

  await runsFinished(CONTACTS);
  expect(unipile.sends.length).toBeGreaterThan(0);

  const cooling = await cooldown();
  expect(cooling.cooldown_reason).toBe('too_many_requests');
  // Retry-After: 120 s from each 429, so the cooldown ends two minutes after the burst, not an hour
  expect(cooling.cooldown_until!.getTime()).toBeGreaterThan(startedAt + 120_000);
  expect(cooling.cooldown_until!.getTime()).toBeLessThan(Date.now() + 121_000);

  // Every run put the step off — after the 429 itself, or at the Rate Gate once the cooldown was recorded — and none stopped it.
  for (const { flow: run } of flow.autoRuns) {
    const sent = run!.order.includes('Start WhatsApp Chat');
    expect(run!.order.slice(-2)).toEqual(sent ? ['Provider Limit?', 'Retry After Cooldown'] : ['Gate: WhatsApp Intro', 'Retry When Allowed']);
  }
  const hit429 = (await introMessages()).filter((m) => m.status === 'failed' && m.error_class === 'quota').map((m) => m.enrollment_id);
  expect(hit429).toHaveLength(unipile.sends.length);
  const timelines = await Promise.all(ids.map((id) => timelineOf(db, id)));
  const heldByGate = ids.filter((_, k) => timelines[k].some((e) => e.kind === 'deferred' && e.reason === 'cooldown' && e.step === 'wa_intro'));
  expect([...hit429, ...heldByGate].sort()).toEqual([...ids].sort());
  for (const e of await enrollments(ids)) {
    expect(e).toMatchObject({ status: 'active', current_step: 'wa_intro', next_step: 'wa_intro', stop_reason: null });
    expect(e.next_run_at!.getTime()).toBeGreaterThan(startedAt + 120_000); // not before the cooldown ends
  }
  expect(await pendingStepJobs()).toBe(CONTACTS);

  // ——— Still cooling down when the steps come due again: the Rate Gate holds every one back ———
  const sendsWhileBusy = unipile.sends.length;
  await Promise.all(ids.map((id) => makeDue(db, id)));
  await runsFinished(2 * CONTACTS);
  expect(unipile.sends).toHaveLength(sendsWhileBusy);
  for (const id of ids) {
    const deferred = (await timelineOf(db, id)).filter((e) => e.kind === 'deferred' && e.reason === 'cooldown');
    expect(deferred.at(-1)?.data.retryAt).toBe((await cooldown()).cooldown_until!.toISOString());
  }

  // ——— UniPile recovers and the cooldown runs out ———
  unipile.busy = false;
  await db.pool.query(`UPDATE ${s()}.rate_state SET cooldown_until = now() - interval '1 second' WHERE account_id = $1 AND action = 'whatsapp'`, [ACCOUNT]);
  await Promise.all(ids.map((id) => makeDue(db, id)));
  await runsFinished(3 * CONTACTS);

  const delivered = successfulSendsByRecipient();
  expect([...delivered.keys()].sort()).toEqual(phones.map(attendeeOf).sort());
  expect([...delivered.values()].every((n) => n === 1)).toBe(true);
  const intros = await introMessages();
  expect(intros).toHaveLength(CONTACTS); // one row per idempotency key, reused by the retry
  expect(intros.every((m) => m.status === 'sent')).toBe(true);
  for (const e of await enrollments(ids)) {
    expect(e).toMatchObject({ status: 'active', current_step: 'wa_intro', next_step: 'wa_value', stop_reason: null });
  }
  expect(await pendingStepJobs()).toBe(CONTACTS);

  // ——— A delivery of the recovered step arrives again (at-least-once): answered from the first send ———
  const repeated = flow.autoRuns.slice(-5).map((r) => r.delivery.body);
  for (const body of repeated) expect(await flow.post(body)).toBe(200);
  await runsFinished(3 * CONTACTS + repeated.length);
  for (const { flow: run } of flow.autoRuns.slice(-repeated.length)) {
    expect(outputOf(run!.run, 'Start WhatsApp Chat')?.[0]?.json).toMatchObject({ status: 'sent', duplicate: true });
  }
  expect(unipile.sends.filter((x) => x.status === 201)).toHaveLength(CONTACTS);
  expect([...successfulSendsByRecipient().values()].every((n) => n === 1)).toBe(true);
  const { rows: ended } = await db.pool.query(`SELECT status, count(*)::int AS n FROM ${s()}.enrollments GROUP BY status`);
  expect(ended).toEqual([{ status: 'active', n: CONTACTS }]);
  console.log(`first burst: ${hit429.length} sends answered 429, ${heldByGate.length} steps held back by the Rate Gate's cooldown; after recovery ${CONTACTS} sends, none twice`);
});
