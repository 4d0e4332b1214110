import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { Ctx } from '../context';
import { withTransaction, type Queryable } from '../db/pool';
import { QUEUES } from '../jobs/boss';
import { fanOut, type DeliveryOutcome } from '../subscriptions/deliver';
import { recordDeliveryHealth, subscriptionsForEvents, subscriptionWants, type Subscription } from '../subscriptions/registry';
import type { WorkerStarter } from '../worker';
import type { Calendar } from './calendar';
import type { ReasonCode } from './reasons';
import { CalendarCache, resumeWithCalendar, scheduleSteps, type CalendarRow, type ScheduleRequest } from './scheduler';
import { engineSql } from './sql';
import { NEXT_WORKING_MOMENT } from './steps';
import { stepJobId, type StepJobData } from './timers';
import { failEnrollments, pauseEnrollments, recordEvents, stopEnrollments, type TimelineEvent } from './transitions';

/**
 * The dispatcher: a pg-boss worker on `sequence-step` that POSTs each due step to the flows subscribed
 * to its sequence (DESIGN §4). Per batch:
 * 1. one short transaction locks the batch's enrollments and decides each job — stale jobs (the
 *    enrollment is no longer active, was rescheduled, or moved to another step) are dropped with a
 *    `dropped`/`stale_job` timeline entry; a step due outside working hours is deferred through the
 *    calendar; the rest are recorded `dispatching`;
 * 2. outside any transaction, signed POSTs to every matching subscription (honouring `job.signal`);
 * 3. one transaction records `dispatched` (the step becomes `current_step`), or the failure: pg-boss
 *    retries with backoff, and after the last retry the enrollment becomes `failed` (`dispatch_failed`)
 *    while the job stays in the dead-letter queue until `retry`.
 * Delivery is at least once: the delivery id (the job id) is stable across retries for receivers to
 * dedupe on, and subscriptions that accepted an earlier attempt are not posted to again.
 */
export interface DispatcherOptions {
  batchSize?: number;
  localConcurrency?: number;
  /** Per POST, waiting for a connection included; keep below the queue's expireInSeconds (runtime/jobs/boss.ts). */
  timeoutMs?: number;
}

/**
 * Large batches: a burst of due steps costs a fixed set of statements per batch (fetch, claim, record,
 * complete), and two fetch loops overlap one batch's POSTs with the other's database work. The
 * POSTs of a batch go out together, through at most MAX_CONNECTIONS_PER_ENDPOINT keep-alive
 * connections per endpoint (subscriptions/deliver.ts).
 */
const DEFAULTS = { batchSize: 500, localConcurrency: 2, timeoutMs: 30_000 } as const;

/**
 * A step whose due time was inside working hours may go out this much later even if the window has
 * closed meanwhile (a busy minute at 16:59 is not worth a day's delay); later than that, or due
 * outside the window (woken at night, runtime down over the weekend), it waits for the next window.
 */
const LATE_GRACE_MS = 15 * 60_000;

type StepJob = JobWithMetadata<StepJobData>;

/** What a failed attempt leaves in the job's output for the next one. */
interface AttemptOutput {
  delivered?: string[];
  error?: string;
}

interface DispatchRow extends CalendarRow {
  current_step: string | null;
  vars: Record<string, unknown>;
  enrolled_at: Date;
  last_step_at: Date | null;
  contact_id: string;
  account_id: string | null;
  sequence_key: string;
  sequence_name: string;
  sequence_version: number;
  do_not_contact: boolean;
  contact: { identities: { kind: string; value: string }[] } & Record<string, unknown>;
  account: Record<string, unknown> | null;
}

interface Send {
  job: StepJob;
  row: DispatchRow;
  deliveryId: string;
  attempt: number;
  body: string;
}

export async function startDispatcher(ctx: Ctx, options: DispatcherOptions = {}): Promise<string> {
  const o = { ...DEFAULTS, ...options };
  const workOptions = {
    batchSize: o.batchSize,
    localConcurrency: o.localConcurrency,
    pollingIntervalSeconds: 0.5,
    burstWhenBatchFull: true,
    perJobResults: true,
    includeMetadata: true,
  } as const;
  return ctx.boss.work<StepJobData, unknown, typeof workOptions>(QUEUES.step, workOptions, (jobs) => dispatchBatch(ctx, jobs, o.timeoutMs));
}

export const dispatcherWorker: WorkerStarter = {
  name: 'dispatcher',
  async start(ctx) {
    await startDispatcher(ctx);
  },
};

export async function dispatchBatch(ctx: Ctx, jobs: StepJob[], timeoutMs: number = DEFAULTS.timeoutMs): Promise<JobResult[]> {
  // The subscriptions are read beside the claim, not after it: one round trip less per batch.
  const [sends, subscriptions] = await Promise.all([
    withTransaction(ctx.pool, (tx) => claim(ctx, tx, jobs)),
    subscriptionsForEvents(ctx.pool, ctx.schema, ['sequence.step']),
  ]);
  const sending = new Set(sends.map((s) => s.job.id));
  const settled: JobResult[] = jobs.filter((j) => !sending.has(j.id)).map((j) => ({ id: j.id, status: 'completed' }));
  if (sends.length === 0) return settled;

  const attempts = await Promise.all(sends.map((send) => deliver(send, subscriptions, timeoutMs)));
  await withTransaction(ctx.pool, (tx) => recordAttempts(ctx, tx, attempts));
  return [
    ...settled,
    ...attempts.map(({ send, failure, delivered }): JobResult =>
      failure ? { id: send.job.id, status: 'failed', output: { delivered, error: failure } satisfies AttemptOutput } : { id: send.job.id, status: 'completed' },
    ),
  ];
}

/** Step 1: lock, drop stale jobs, defer what is outside working hours, mark the rest `dispatching`. */
async function claim(ctx: Ctx, tx: Queryable, jobs: StepJob[]): Promise<Send[]> {
  const now = new Date();
  const ids = [...new Set(jobs.map((j) => j.data.enrollmentId))];
  const { rows } = await tx.query<DispatchRow>(engineSql.lockForDispatch(ctx.schema), [ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const calendars = new CalendarCache();
  // Whether each calendar is open now, asked once per batch (a zone conversion per job adds up).
  const openNow = new Map<Calendar, boolean>();
  const isOpenNow = (calendar: Calendar) => {
    let open = openNow.get(calendar);
    if (open === undefined) openNow.set(calendar, (open = calendar.isWorkingTime(now)));
    return open;
  };
  const events: TimelineEvent[] = [];
  const resumes: string[] = [];
  const deferrals: ScheduleRequest[] = [];
  const refusals = new Map<ReasonCode, string[]>();
  const refuse = (reason: ReasonCode, id: string) => refusals.set(reason, [...(refusals.get(reason) ?? []), id]);
  const sends: Send[] = [];

  for (const job of jobs) {
    const { data } = job;
    const row = byId.get(data.enrollmentId);
    if (!row) continue; // deleted with its timeline: nothing to record
    const current = row.schedule_version === data.version;
    if (data.kind === 'resume') {
      if (current && row.status === 'paused') resumes.push(row.id);
      continue;
    }
    if (!current || row.status !== 'active' || row.next_step !== data.step) {
      events.push({
        enrollmentId: row.id,
        kind: 'dropped',
        step: data.step,
        reason: 'stale_job',
        data: { jobVersion: data.version, version: row.schedule_version, status: row.status, nextStep: row.next_step },
      });
      continue;
    }
    if (row.sequence_status !== 'active') {
      refuse(row.sequence_status === 'paused' ? 'sequence_paused' : 'sequence_archived', row.id);
      continue;
    }
    if (row.do_not_contact) {
      refuse('do_not_contact', row.id);
      continue;
    }
    const calendar = calendars.of(row);
    const dueAt = new Date(data.dueAt);
    const inTime = isOpenNow(calendar) || (calendar.isWorkingTime(dueAt) && now.getTime() - dueAt.getTime() <= LATE_GRACE_MS);
    if (!inTime) {
      deferrals.push({ enrollmentId: row.id, step: data.step, delay: NEXT_WORKING_MOMENT, wakeOn: row.wake_on as ScheduleRequest['wakeOn'], wokeBy: data.wokeBy });
      continue;
    }
    const deliveryId = stepJobId(row.id, data.step, data.version);
    const attempt = job.retryCount + 1;
    events.push({ enrollmentId: row.id, kind: 'dispatching', step: data.step, data: { deliveryId, attempt } });
    sends.push({ job, row, deliveryId, attempt, body: JSON.stringify(stepPayload(row, data, deliveryId, attempt)) });
  }

  await recordEvents(tx, ctx.schema, events);
  await scheduleSteps(ctx, tx, deferrals, { kind: 'deferred', reason: 'outside_working_hours', now });
  await resumeWithCalendar(ctx, tx, resumes, 'pause_expired', now);
  const paused = refusals.get('sequence_paused') ?? [];
  if (paused.length) await pauseEnrollments(ctx, tx, paused, 'sequence_paused');
  for (const reason of ['sequence_archived', 'do_not_contact'] as const) {
    const stopped = refusals.get(reason) ?? [];
    if (stopped.length) await stopEnrollments(ctx, tx, stopped, reason);
  }
  count(ctx, 'dropped', events.filter((e) => e.kind === 'dropped').length);
  count(ctx, 'deferred', deferrals.length);
  return sends;
}

/** The `sequence.step` body (DESIGN §4). */
function stepPayload(row: DispatchRow, data: StepJobData, deliveryId: string, attempt: number) {
  const { identities } = row.contact;
  const first = (kind: string) => identities.find((i) => i.kind === kind)?.value ?? null;
  return {
    event: 'sequence.step',
    deliveryId,
    enrollment: {
      id: row.id,
      status: row.status,
      currentStep: row.current_step,
      step: data.step,
      scheduleVersion: data.version,
      enrolledAt: row.enrolled_at,
      lastStepAt: row.last_step_at,
    },
    sequence: { id: row.sequence_id, key: row.sequence_key, name: row.sequence_name, version: row.sequence_version },
    step: data.step,
    attempt,
    contact: {
      ...row.contact,
      email: first('email'),
      phone: first('phone'),
      linkedinProviderId: first('linkedin'),
      linkedinPublicId: first('linkedin_public'),
    },
    account: row.account,
    vars: row.vars,
    dueAt: data.dueAt,
    ...(data.wokeBy ? { wokeBy: data.wokeBy } : {}),
  };
}

interface Attempt {
  send: Send;
  outcomes: DeliveryOutcome[];
  delivered: string[];
  failure?: string;
}

/** Step 2: POST to every subscription of the step's sequence that has not accepted it yet. */
async function deliver(send: Send, subscriptions: Subscription[], timeoutMs: number): Promise<Attempt> {
  const targets = subscriptions.filter((s) => subscriptionWants(s, 'sequence.step', send.row.sequence_key));
  if (targets.length === 0) {
    const failure = `no active subscription for sequence "${send.row.sequence_key}": activate the workflow whose Sequencer Trigger (steps mode) has this sequence key`;
    return { send, outcomes: [], delivered: [], failure };
  }
  const previous = (send.job.output as AttemptOutput | null)?.delivered ?? [];
  const result = await fanOut(targets, { event: 'sequence.step', deliveryId: send.deliveryId, body: send.body, signal: send.job.signal, timeoutMs }, previous);
  const failure = result.failures.length ? result.failures.map((f) => f.error).join('; ') : undefined;
  return { send, outcomes: result.outcomes, delivered: result.delivered, failure };
}

/** Step 3: record what happened, fail enrollments whose last attempt failed, update subscription health. */
async function recordAttempts(ctx: Ctx, tx: Queryable, attempts: Attempt[]): Promise<void> {
  const succeeded = attempts.filter((a) => !a.failure);
  const failed = attempts.filter((a) => a.failure);
  const now = Date.now();
  for (const a of attempts) {
    if (a.send.attempt === 1) ctx.metrics?.dispatchLatenessSeconds.observe(Math.max(0, (now - Date.parse(a.send.job.data.dueAt)) / 1000));
  }
  if (succeeded.length) {
    await tx.query(engineSql.markDispatched(ctx.schema), [
      succeeded.map((a) => a.send.row.id),
      succeeded.map((a) => a.send.job.data.step),
      succeeded.map((a) => a.send.job.data.version),
    ]);
  }
  const final = failed.filter((a) => a.send.job.retryCount >= a.send.job.retryLimit);
  await recordEvents(tx, ctx.schema, [
    ...succeeded.map((a) => ({
      enrollmentId: a.send.row.id,
      kind: 'dispatched',
      step: a.send.job.data.step,
      data: { deliveryId: a.send.deliveryId, attempt: a.send.attempt, subscriptions: a.delivered.length, ...(a.send.job.data.wokeBy ? { wokeBy: a.send.job.data.wokeBy } : {}) },
    })),
    ...failed.map((a) => ({
      enrollmentId: a.send.row.id,
      kind: 'dispatch_error',
      step: a.send.job.data.step,
      data: {
        deliveryId: a.send.deliveryId,
        attempt: a.send.attempt,
        error: a.failure,
        willRetry: !final.includes(a),
      },
    })),
  ]);
  await failExhausted(ctx, tx, final);
  await recordDeliveryHealth(
    tx,
    ctx.schema,
    attempts.flatMap((a) => a.outcomes),
  );
  count(ctx, 'delivered', succeeded.length);
  count(ctx, 'retrying', failed.length - final.length);
  count(ctx, 'failed', final.length);
}

/** After the last retry the enrollment fails — unless something rescheduled or stopped it meanwhile. */
async function failExhausted(ctx: Ctx, tx: Queryable, final: Attempt[]): Promise<void> {
  if (final.length === 0) return;
  const { rows } = await tx.query<{ id: string; status: string; schedule_version: number }>(engineSql.lockStatuses(ctx.schema), [final.map((a) => a.send.row.id)]);
  const stillDue = final.filter((a) => rows.some((r) => r.id === a.send.row.id && r.status === 'active' && r.schedule_version === a.send.job.data.version));
  // One by one: each keeps its own last error on the timeline (exhausted retries are rare).
  for (const a of stillDue) {
    await failEnrollments(ctx, tx, [a.send.row.id], 'dispatch_failed', { deliveryId: a.send.deliveryId, attempts: a.send.attempt, error: a.failure });
  }
}

function count(ctx: Ctx, outcome: string, n: number): void {
  if (n > 0) ctx.metrics?.dispatches.inc({ event: 'sequence.step', outcome }, n);
}
