import { randomBytes } from 'node:crypto';
import { QUEUES } from '../../runtime/jobs/boss';
import { withTransaction } from '../../runtime/db/pool';
import { createSequence, updateSequence } from '../../runtime/sequences/definitions';
import { startDispatcher } from '../../runtime/sequences/dispatcher';
import { enroll } from '../../runtime/sequences/enroll';
import { changeEnrollments } from '../../runtime/sequences/enrollments';
import { scheduleNext } from '../../runtime/sequences/scheduler';
import { enqueueStepJobs } from '../../runtime/sequences/timers';
import { wakeEnrollments } from '../../runtime/sequences/transitions';
import { registerSubscription } from '../../runtime/subscriptions/registry';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifySignature } from '../../runtime/subscriptions/signature';
import { startNotifier } from '../../runtime/subscriptions/notifier';
import { openTestDb, type TestDb } from '../support/db';
import { enrollmentRow, eventually, jobsOf, makeDue, openNowSettings, startSink, timelineOf, type Sink } from '../support/engine';

let db: TestDb;
let sink: Sink;
const secret = randomBytes(32).toString('hex');
/** Sequences whose endpoint answers 500 while listed here. */
const failing = new Set<string>();

beforeAll(async () => {
  db = await openTestDb();
  // Retries in tests: one retry, at once (production: 6 with backoff, runtime/jobs/boss.ts).
  await db.boss.updateQueue(QUEUES.step, { retryLimit: 1, retryDelay: 0, retryBackoff: false });
  sink = await startSink();
  sink.respond = (req) => (failing.has(req.url.split('/').pop()!) ? 500 : 200);
  await startDispatcher(db, { timeoutMs: 5000, batchSize: 10, localConcurrency: 1 });
  await startNotifier(db, { timeoutMs: 5000 });
});
afterAll(async () => {
  await db.close();
  await sink.close();
});

/** A sequence open for work right now, with the flow's trigger subscribed to it. */
async function sequenceWithTrigger(key: string, settings: Record<string, unknown> = {}) {
  await createSequence(db, { key, name: key, settings: openNowSettings(settings) as never });
  await registerSubscription(db.pool, db.schema, { url: `${sink.url}/hook/${key}`, events: ['sequence.step'], sequenceKey: key, secret });
}

const stepsTo = (key: string) => sink.requests.filter((r) => r.url === `/hook/${key}`);

async function enrollOne(key: string, email: string, extra: Record<string, unknown> = {}) {
  const [result] = await enroll(db, { sequenceKey: key, contacts: [{ email, firstName: 'Ada', vars: { plan: 'pro' } }], ...extra });
  expect(result.outcome).toBe('enrolled');
  return result.enrollmentId!;
}

describe('dispatching sequence steps to the flow', () => {
  it('enroll → dispatch → schedule → dispatch → complete, signed and on the timeline', async () => {
    await sequenceWithTrigger('happy');
    const id = await enrollOne('happy', 'ada@acme.io');

    const [first] = await eventually(() => stepsTo('happy').length === 1 && stepsTo('happy'), 'first step');
    expect(first.json).toMatchObject({
      event: 'sequence.step',
      step: 'start',
      attempt: 1,
      enrollment: { id, step: 'start' },
      sequence: { key: 'happy' },
      contact: { email: 'ada@acme.io', firstName: 'Ada', identities: [{ kind: 'email', value: 'ada@acme.io' }] },
      vars: { plan: 'pro' },
    });
    expect(first.json.deliveryId).toBe(first.headers[DELIVERY_HEADER.toLowerCase()]);
    expect(first.json.wokeBy).toBeUndefined();
    expect(verifySignature(secret, first.body, first.headers[SIGNATURE_HEADER.toLowerCase()])).toMatchObject({ ok: true });
    await eventually(async () => (await enrollmentRow(db, id)).current_step === 'start', 'dispatched recorded');
    expect(await enrollmentRow(db, id)).toMatchObject({ status: 'active', next_step: null });

    const scheduled = await withTransaction(db.pool, (tx) => scheduleNext(db, tx, { enrollmentId: id, step: 'followup', delay: { unit: 'days', amount: 2 } }));
    expect(scheduled.outcome).toBe('scheduled');
    expect(scheduled.runAt!.getTime()).toBeGreaterThan(Date.now() + 86_400_000);
    const [job] = (await jobsOf(db, id)).filter((j) => j.state === 'created');
    expect(job.start_after.getTime()).toBe(scheduled.runAt!.getTime());
    expect(stepsTo('happy')).toHaveLength(1);

    expect(await makeDue(db, id)).toBe(1);
    const second = await eventually(() => stepsTo('happy')[1], 'second step');
    expect(second.json).toMatchObject({ step: 'followup', enrollment: { currentStep: 'start' } });
    expect(second.json.deliveryId).not.toBe(first.json.deliveryId);
    await eventually(async () => (await enrollmentRow(db, id)).current_step === 'followup', 'second dispatched');

    const [done] = await changeEnrollments(db, [id], { action: 'complete' });
    expect(done).toMatchObject({ outcome: 'changed', status: 'completed' });
    expect((await timelineOf(db, id)).map((e) => `${e.kind}:${e.step}`)).toEqual([
      'enrolled:start',
      'dispatching:start',
      'dispatched:start',
      'scheduled:followup',
      'dispatching:followup',
      'dispatched:followup',
      'completed:followup',
    ]);
  });

  it('pause cancels the pending step and resume schedules it again through the calendar', async () => {
    await sequenceWithTrigger('pausing');
    const later = new Date(Date.now() + 3 * 86_400_000);
    const id = await enrollOne('pausing', 'grace@acme.io', { startAt: later.toISOString() });
    expect((await jobsOf(db, id)).map((j) => j.state)).toEqual(['created']);

    await changeEnrollments(db, [id], { action: 'pause' });
    expect((await jobsOf(db, id)).map((j) => j.state)).toEqual(['cancelled']);
    expect(await makeDue(db, id)).toBe(0);

    const [resumed] = await changeEnrollments(db, [id], { action: 'resume' });
    expect(resumed).toMatchObject({ outcome: 'changed', status: 'active' });
    const jobs = await jobsOf(db, id);
    expect(jobs.map((j) => j.state)).toEqual(['cancelled', 'created']);
    // A pending step still in the future keeps its time.
    expect(jobs[1].start_after.getTime()).toBe((await enrollmentRow(db, id)).next_run_at!.getTime());
    expect(stepsTo('pausing')).toHaveLength(0);

    // Paused past its due time: it runs at the next working moment (now) after resume.
    await changeEnrollments(db, [id], { action: 'pause' });
    await db.pool.query(`UPDATE "${db.schema}".enrollments SET next_run_at = now() - interval '1 day' WHERE id = $1`, [id]);
    await changeEnrollments(db, [id], { action: 'resume' });
    await eventually(() => stepsTo('pausing').length === 1, 'overdue step after resume');
  });

  it('a timed pause (until a date) resumes by itself', async () => {
    await sequenceWithTrigger('ooo');
    const id = await enrollOne('ooo', 'away@acme.io', { startAt: new Date(Date.now() + 86_400_000).toISOString() });
    const until = new Date(Date.now() + 7 * 86_400_000);
    await changeEnrollments(db, [id], { action: 'pause', reason: 'out_of_office', until });
    const [timer] = (await jobsOf(db, id)).filter((j) => j.state === 'created');
    expect(timer.data.kind).toBe('resume');
    expect(timer.start_after.getTime()).toBe(until.getTime());
    expect(await enrollmentRow(db, id)).toMatchObject({ status: 'paused', pause_reason: 'out_of_office' });

    await makeDue(db, id); // the return date has come
    await eventually(async () => (await enrollmentRow(db, id)).status === 'active', 'resumed');
    expect((await timelineOf(db, id)).filter((e) => e.kind === 'resumed')).toEqual([expect.objectContaining({ reason: 'pause_expired' })]);
    // Its pending step (due tomorrow) keeps its time and has its job again.
    expect((await jobsOf(db, id)).filter((j) => j.state === 'created')).toHaveLength(1);
  });

  it('stop cancels the pending job, and a stale job that escapes cancellation is dropped, not sent', async () => {
    await sequenceWithTrigger('stopping');
    const id = await enrollOne('stopping', 'stop@acme.io', { startAt: new Date(Date.now() + 86_400_000).toISOString() });
    const [stopped] = await changeEnrollments(db, [id], { action: 'stop', reason: 'replied' });
    expect(stopped).toMatchObject({ outcome: 'changed', status: 'stopped' });
    expect((await jobsOf(db, id)).map((j) => j.state)).toEqual(['cancelled']);

    // The cancelled job comes back (as if a racing process had claimed it before the stop) and is due.
    const [cancelled] = await jobsOf(db, id);
    await db.boss.resume(QUEUES.step, cancelled.id);
    expect(await makeDue(db, id)).toBe(1);
    await eventually(async () => (await timelineOf(db, id)).some((e) => e.kind === 'dropped'), 'stale job dropped');
    expect((await timelineOf(db, id)).find((e) => e.kind === 'dropped')).toMatchObject({ reason: 'stale_job', data: { status: 'stopped' } });
    expect(stepsTo('stopping')).toHaveLength(0);
  });

  it('a step waiting for an accepted invitation fires early when it is accepted', async () => {
    await sequenceWithTrigger('waking');
    const id = await enrollOne('waking', 'wake@acme.io');
    await eventually(() => stepsTo('waking').length === 1, 'invite step');
    await eventually(async () => (await enrollmentRow(db, id)).current_step === 'start', 'invite dispatched');
    await withTransaction(db.pool, (tx) =>
      scheduleNext(db, tx, { enrollmentId: id, step: 'first_message', delay: { unit: 'business_days', amount: 5 }, wakeOn: ['invitation_accepted'] }),
    );
    expect((await enrollmentRow(db, id)).wake_on).toEqual(['invitation_accepted']);
    const { rows } = await db.pool.query(`SELECT contact_id FROM "${db.schema}".enrollments WHERE id = $1`, [id]);

    await withTransaction(db.pool, (tx) => wakeEnrollments(db, tx, [rows[0].contact_id], 'invitation_accepted'));
    const woken = await eventually(() => stepsTo('waking')[1], 'woken step');
    expect(woken.json).toMatchObject({ step: 'first_message', wokeBy: 'invitation_accepted' });
  });

  it('an operator can skip an enrollment to another step, due now', async () => {
    await sequenceWithTrigger('skipping');
    const id = await enrollOne('skipping', 'skip@acme.io', { startAt: new Date(Date.now() + 86_400_000).toISOString() });
    const [skipped] = await changeEnrollments(db, [id], { action: 'skip', step: 'breakup' });
    expect(skipped).toMatchObject({ outcome: 'changed', status: 'active' });
    const request = await eventually(() => stepsTo('skipping')[0], 'skipped-to step');
    expect(request.json.step).toBe('breakup');
    expect((await timelineOf(db, id)).map((e) => `${e.kind}:${e.step}:${e.reason}`).slice(0, 2)).toEqual(['enrolled:start:null', 'skipped:breakup:manual']);
  });

  it('the same step is never sent twice: a duplicate job id is refused and a re-run after success is dropped', async () => {
    await sequenceWithTrigger('dupes');
    const id = await enrollOne('dupes', 'dupe@acme.io', { startAt: new Date(Date.now() + 86_400_000).toISOString() });
    // Same (enrollment, step, version): the same job id, so no second job.
    await withTransaction(db.pool, (tx) => enqueueStepJobs(db, tx, [{ enrollmentId: id, step: 'start', version: 1, runAt: new Date() }]));
    expect(await jobsOf(db, id)).toHaveLength(1);
    await makeDue(db, id);
    await eventually(async () => (await enrollmentRow(db, id)).current_step === 'start', 'dispatched');

    // A redelivery of that step (e.g. a crash between the POST and completing the job) finds it done.
    await db.boss.send(QUEUES.step, { enrollmentId: id, step: 'start', version: 1, dueAt: new Date().toISOString() }, { singletonKey: `enrollment:${id}` });
    await eventually(async () => (await timelineOf(db, id)).some((e) => e.kind === 'dropped'), 'redelivery dropped');
    expect(stepsTo('dupes')).toHaveLength(1);
  });

  it('failed deliveries are retried, then the enrollment fails with dispatch_failed; retry revives it', async () => {
    await sequenceWithTrigger('flaky');
    failing.add('flaky');
    const id = await enrollOne('flaky', 'flaky@acme.io');
    await eventually(async () => (await enrollmentRow(db, id)).status === 'failed', 'failed after retries');
    expect(await enrollmentRow(db, id)).toMatchObject({ stop_reason: 'dispatch_failed', next_step: 'start' });
    expect(stepsTo('flaky').map((r) => r.json.attempt)).toEqual([1, 2]);
    // Same delivery id on every attempt.
    expect(new Set(stepsTo('flaky').map((r) => r.json.deliveryId)).size).toBe(1);
    const events = await timelineOf(db, id);
    expect(events.filter((e) => e.kind === 'dispatch_error').map((e) => e.data.willRetry)).toEqual([true, false]);
    expect(events.at(-1)).toMatchObject({ kind: 'failed', reason: 'dispatch_failed' });
    await eventually(async () => (await jobsOf(db, id, QUEUES.stepDead)).length === 1, 'dead letter');
    const { rows } = await db.pool.query(`SELECT consecutive_failures, last_error FROM "${db.schema}".subscriptions WHERE sequence_key = 'flaky'`);
    expect(rows[0].consecutive_failures).toBe(2);
    expect(rows[0].last_error).toContain('HTTP 500');

    failing.delete('flaky');
    const [retried] = await changeEnrollments(db, [id], { action: 'retry' });
    expect(retried).toMatchObject({ outcome: 'changed', status: 'active' });
    expect(await jobsOf(db, id, QUEUES.stepDead)).toHaveLength(0);
    await eventually(async () => (await enrollmentRow(db, id)).current_step === 'start', 'dispatched after retry');
    const { rows: healed } = await db.pool.query(`SELECT consecutive_failures, last_error FROM "${db.schema}".subscriptions WHERE sequence_key = 'flaky'`);
    expect(healed[0]).toEqual({ consecutive_failures: 0, last_error: null });
  });

  it('without a subscribed flow the step is not lost: it is retried and the timeline says why', async () => {
    await createSequence(db, { key: 'orphan', settings: openNowSettings() as never });
    const id = await enrollOne('orphan', 'orphan@acme.io');
    await eventually(async () => (await enrollmentRow(db, id)).status === 'failed', 'failed');
    const errors = (await timelineOf(db, id)).filter((e) => e.kind === 'dispatch_error');
    expect(errors[0].data.error).toMatch(/no active subscription for sequence "orphan"/);
  });

  it('a step due outside working hours is deferred to the next working window', async () => {
    // Open only 00:00–00:30 local, in a zone where it is about noon now.
    await sequenceWithTrigger('office', { workingHours: { start: '00:00', end: '00:30' } });
    const id = await enrollOne('office', 'night@acme.io');
    const { next_run_at: firstRun } = await enrollmentRow(db, id);
    expect(firstRun!.getTime()).toBeGreaterThan(Date.now() + 3_600_000);

    await withTransaction(db.pool, (tx) => scheduleNext(db, tx, { enrollmentId: id, step: 'start', runAt: new Date() }));
    await eventually(async () => (await timelineOf(db, id)).some((e) => e.kind === 'deferred'), 'deferred');
    expect((await timelineOf(db, id)).find((e) => e.kind === 'deferred')).toMatchObject({ reason: 'outside_working_hours', step: 'start' });
    expect((await enrollmentRow(db, id)).next_run_at!.getTime()).toBe(firstRun!.getTime());
    expect(stepsTo('office')).toHaveLength(0);
  });

  it('pausing a sequence pauses its enrollments (and new ones); resuming it resumes them', async () => {
    await sequenceWithTrigger('seasonal');
    const id = await enrollOne('seasonal', 'season@acme.io', { startAt: new Date(Date.now() + 86_400_000).toISOString() });
    const manual = await enrollOne('seasonal', 'manual@acme.io', { startAt: new Date(Date.now() + 86_400_000).toISOString() });
    await changeEnrollments(db, [manual], { action: 'pause' });

    const paused = await updateSequence(db, 'seasonal', { status: 'paused' });
    expect(paused.version).toBe(2);
    expect(await enrollmentRow(db, id)).toMatchObject({ status: 'paused', pause_reason: 'sequence_paused' });
    expect((await jobsOf(db, id)).map((j) => j.state)).toEqual(['cancelled']);
    const [late] = await enroll(db, { sequenceKey: 'seasonal', contacts: [{ email: 'late@acme.io' }] });
    expect(late).toMatchObject({ outcome: 'enrolled', runAt: null });
    expect(await enrollmentRow(db, late.enrollmentId!)).toMatchObject({ status: 'paused', pause_reason: 'sequence_paused' });

    await updateSequence(db, 'seasonal', { status: 'active' });
    expect((await enrollmentRow(db, id)).status).toBe('active');
    expect((await enrollmentRow(db, manual)).status).toBe('paused');
    await eventually(() => stepsTo('seasonal').some((r) => (r.json.enrollment as { id: string }).id === late.enrollmentId), 'late enrollment dispatched');
  });

  it('flows subscribed to enrollment.stopped are told, signed', async () => {
    await sequenceWithTrigger('told');
    await registerSubscription(db.pool, db.schema, { url: `${sink.url}/events/told`, events: ['enrollment.stopped'], sequenceKey: 'told', secret });
    const id = await enrollOne('told', 'told@acme.io', { startAt: new Date(Date.now() + 86_400_000).toISOString() });
    await changeEnrollments(db, [id], { action: 'stop', reason: 'meeting_booked' });
    const note = await eventually(() => sink.requests.find((r) => r.url === '/events/told'), 'notification');
    expect(note.json).toMatchObject({ event: 'enrollment.stopped', enrollment: { id, status: 'stopped' }, sequence: { key: 'told' }, reason: 'meeting_booked' });
    expect(verifySignature(secret, note.body, note.headers[SIGNATURE_HEADER.toLowerCase()])).toMatchObject({ ok: true });
  });
});
