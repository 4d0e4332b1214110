import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { Ctx } from '../../runtime/context';
import { createPool } from '../../runtime/db/pool';
import { startBoss } from '../../runtime/jobs/boss';
import { createLogger } from '../../runtime/log';
import { createSequence } from '../../runtime/sequences/definitions';
import { enroll } from '../../runtime/sequences/enroll';
import { registerSubscription } from '../../runtime/subscriptions/registry';
import { spawnRuntime, type ChildRuntime } from '../support/child-runtime';
import { freePort } from '../support/global-setup';
import { latenessFigures, startSink } from './dispatch';
import { loadWebhooks } from './ingest';
import { nodeBatchRuns } from './nodes';
import { benchDatabase, rawInsertRate } from './postgres';
import { rateGateRun } from './rategate';
import { fmt, writeReport, type Row } from './report';

/**
 * `npm run bench`: one run, one machine, the runtime next to raw Postgres. Timing is reported,
 * never asserted. Writes bench/results/latest.{json,md}.
 */
const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
const SECRET = randomBytes(16).toString('hex');
const SCHEMA = 'bench';
const ALWAYS_OPEN = { timezone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '23:59' } };

async function main() {
  const startedAt = new Date();
  const db = await benchDatabase();
  const rows: Row[] = [];
  let runtime: ChildRuntime | undefined;
  const pool = createPool(db.url, { max: 20 });
  try {
    console.log(`database: ${db.describe}`);
    const raw1 = await rawInsertRate(db.url, 1, 3000);
    const raw16 = await rawInsertRate(db.url, 16, 600);
    rows.push({ measure: 'Reference: raw single-row INSERT, 1 client', result: `${fmt(raw1)} commits/s` });
    rows.push({ measure: 'Reference: raw single-row INSERT, 16 clients', result: `${fmt(raw16)} commits/s` });
    console.log(rows.slice(-2));

    const port = await freePort();
    runtime = spawnRuntime({ DATABASE_URL: db.url, SEQUENCER_SCHEMA: SCHEMA, PORT: String(port), SEQUENCER_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'warn' });
    await runtime.waitReady(60_000);
    const boss = await startBoss({ schema: SCHEMA, pool, supervise: false, log });
    const ctx: Ctx = { pool, schema: SCHEMA, boss, log };
    await new Promise((r) => setTimeout(r, 3000));
    const idleRss = runtime.rss();

    // Ingest: 64 connections of distinct message_received deliveries.
    await loadWebhooks(runtime.url, SECRET, 3); // warm-up
    const ingest = await loadWebhooks(runtime.url, SECRET, 15);
    rows.push({
      measure: 'Ingest: message_received at 64 connections',
      result: `${fmt(ingest.perSecond)} deliveries/s (${fmt(ingest.perSecond / raw16, 2)}× raw 16-client INSERT), p50 ${fmt(ingest.p50)} ms, p99 ${fmt(ingest.p99)} ms, ${ingest.non2xx} non-2xx`,
      target: '≥ 1,500/s, p99 ≤ 50 ms',
      met: ingest.perSecond >= 1500 && ingest.p99 <= 50 && ingest.non2xx === 0,
      raw: { ...ingest },
    });
    console.log(rows.slice(-1));

    // Dispatch: 10,000 steps due in the same second, to a local sink.
    const sink = await startSink();
    await createSequence(ctx, { key: 'bench-dispatch', settings: ALWAYS_OPEN });
    await registerSubscription(pool, SCHEMA, { url: sink.url, events: ['sequence.step'], sequenceKey: 'bench-dispatch', secret: SECRET });
    const dueAt = new Date(Date.now() + 20_000);
    dueAt.setMilliseconds(0);
    const enrollStarted = Date.now();
    const results = await enroll(ctx, {
      sequenceKey: 'bench-dispatch',
      startAt: dueAt,
      contacts: Array.from({ length: 10_000 }, (_, i) => ({ email: `lead${i}@bench${i % 500}.example` })),
    });
    const enrollSeconds = (Date.now() - enrollStarted) / 1000;
    const enrolled = results.filter((r) => r.outcome === 'enrolled').length;
    rows.push({ measure: 'Bulk enrolment of 10,000 contacts', result: `${fmt(enrollSeconds, 2)} s (${enrolled} enrolled)`, target: '≤ 5 s', met: enrollSeconds <= 5 && enrolled === 10_000 });
    const waitUntil = dueAt.getTime() + 60_000;
    while (sink.arrivals.length < 10_000 && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 2000)); // late duplicates would show up here
    const d = latenessFigures(sink.arrivals, dueAt.getTime());
    rows.push({
      measure: 'Dispatch: 10,000 steps due in the same second',
      result: `${d.delivered} delivered in ${fmt(d.drainSeconds, 1)} s after due, lateness p50 ${fmt(d.p50, 2)} s / p99 ${fmt(d.p99, 2)} s, ${d.duplicates} duplicates`,
      target: '≤ 10 s, p99 ≤ 2 s, 0 duplicates',
      met: d.delivered === 10_000 && d.drainSeconds <= 10 && d.p99 <= 2 && d.duplicates === 0,
      raw: d,
    });
    console.log(rows.slice(-2));
    await sink.close();

    // Rate Gate: 16 concurrent reservers.
    for (const accounts of [1, 50]) {
      const r = await rateGateRun(ctx, { accounts, workers: 16, seconds: 8, dailyCap: 1_000_000, label: `rg${accounts}` });
      rows.push({ measure: `Rate Gate: 16 reservers on ${accounts} account${accounts > 1 ? 's' : ''}`, result: `${fmt(r.perSecond)} decisions/s`, target: '≥ 2,000/s', met: r.perSecond >= 2000 });
    }
    const capped = await rateGateRun(ctx, { accounts: 1, workers: 16, seconds: 5, dailyCap: 300, label: 'rgcap' });
    rows.push({ measure: 'Rate Gate: over-grants, 16 reservers against a cap of 300', result: `${capped.granted} granted of ${capped.decisions}, ${capped.overGrants} over-grants`, target: '0', met: capped.overGrants === 0 && capped.granted === 300 });
    console.log(rows.slice(-3));

    // Nodes: 1,000 items in one n8n-core execution.
    for (const n of await nodeBatchRuns(db.url, SCHEMA)) {
      rows.push({ measure: `Node batch: ${n.node}, 1,000 items`, result: `${fmt(n.perSecond)} items/s`, target: '≥ 2,000/s', met: n.perSecond >= 2000 });
    }
    console.log(rows.slice(-2));

    // Memory: idle, then with 100,000 active enrollments waiting.
    await createSequence(ctx, { key: 'bench-memory', settings: ALWAYS_OPEN });
    const later = new Date(Date.now() + 7 * 86_400_000);
    for (let b = 0; b < 10; b++) {
      await enroll(ctx, { sequenceKey: 'bench-memory', startAt: later, contacts: Array.from({ length: 10_000 }, (_, i) => ({ email: `m${b}-${i}@mem.example` })) });
    }
    await new Promise((r) => setTimeout(r, 10_000));
    const loadedRss = runtime.rss();
    rows.push({
      measure: 'Runtime RSS: idle / with 100,000 active enrollments',
      result: `${fmt(idleRss / 2 ** 20)} MB / ${fmt(loadedRss / 2 ** 20)} MB`,
      target: '≤ 200 MB',
      met: loadedRss <= 200 * 2 ** 20,
    });
    await boss.stop({ graceful: false });
  } finally {
    await runtime?.kill('SIGTERM');
    await pool.end().catch(() => undefined);
    await db.stop();
  }
  const markdown = writeReport(rows, { database: db.describe, startedAt });
  console.log(`\n${markdown}`);
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  console.log(`results in bench/results/latest.{md,json}${commit ? ` (commit ${commit})` : ''}`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
