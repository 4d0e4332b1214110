import type { Ctx } from '../context';
import { requireSequence } from './definitions';
import { statsSql } from './sql';

/**
 * A sequence's funnel, per step and overall (API `GET /sequences/:key/stats`, `sequencer stats`).
 * Counts are distinct enrollments that reached each state at least once:
 * - `scheduled`: the step was pending for them (enrolled at it, scheduled or skipped to it);
 * - `dispatched`: the step was posted to the flow; `sent`: a message for it went out (UniPile Send);
 * - `replied`: their first reply came after this step and before the next one was dispatched;
 * - `stopped`: stopped while this was their last step, by reason; `failed`: failed at this step.
 * `replyRate` = replied / dispatched (null before anything was dispatched).
 */
export interface StepStats {
  step: string;
  scheduled: number;
  dispatched: number;
  sent: number;
  replied: number;
  replyRate: number | null;
  stopped: Record<string, number>;
  failed: number;
}

export interface SequenceStats {
  sequence: { key: string; name: string; status: string; version: number };
  enrollments: { total: number; active: number; paused: number; completed: number; stopped: number; failed: number };
  /** Enrollments that replied after a dispatched step / enrollments with a dispatched step. */
  replied: number;
  replyRate: number | null;
  stoppedByReason: Record<string, number>;
  /** The sequence's listed steps in order, then any other step seen, by first appearance. */
  steps: StepStats[];
}

const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

export async function sequenceStats(ctx: Pick<Ctx, 'pool' | 'schema'>, sequenceKey: string): Promise<SequenceStats> {
  const sequence = await requireSequence(ctx, sequenceKey);
  const s = ctx.schema;
  const args = [sequence.id];
  const [byStatus, stoppedByReason, events, stops, sent, replies, reached] = await Promise.all([
    ctx.pool.query<{ status: string; n: number }>(statsSql.byStatus(s), args),
    ctx.pool.query<{ reason: string; n: number }>(statsSql.stoppedByReason(s), args),
    ctx.pool.query<{ step: string; scheduled: number; dispatched: number; failed: number; first_at: Date }>(statsSql.stepEvents(s), args),
    ctx.pool.query<{ step: string; reason: string; n: number }>(statsSql.stepStops(s), args),
    ctx.pool.query<{ step: string; n: number }>(statsSql.stepSent(s), args),
    ctx.pool.query<{ step: string; n: number }>(statsSql.stepReplies(s), args),
    ctx.pool.query<{ n: number }>(statsSql.dispatchedEnrollments(s), args),
  ]);

  const steps = new Map<string, StepStats>();
  const stepOf = (step: string) => {
    let entry = steps.get(step);
    if (!entry) steps.set(step, (entry = { step, scheduled: 0, dispatched: 0, sent: 0, replied: 0, replyRate: null, stopped: {}, failed: 0 }));
    return entry;
  };
  for (const listed of sequence.settings.steps ?? []) stepOf(listed.name);
  for (const r of [...events.rows].sort((a, b) => a.first_at.getTime() - b.first_at.getTime())) {
    Object.assign(stepOf(r.step), { scheduled: r.scheduled, dispatched: r.dispatched, failed: r.failed });
  }
  for (const r of stops.rows) stepOf(r.step).stopped[r.reason] = r.n;
  for (const r of sent.rows) stepOf(r.step).sent = r.n;
  for (const r of replies.rows) stepOf(r.step).replied = r.n;
  for (const step of steps.values()) step.replyRate = rate(step.replied, step.dispatched);

  const counts = Object.fromEntries(byStatus.rows.map((r) => [r.status, r.n]));
  const enrollments = {
    total: byStatus.rows.reduce((n, r) => n + r.n, 0),
    active: counts.active ?? 0,
    paused: counts.paused ?? 0,
    completed: counts.completed ?? 0,
    stopped: counts.stopped ?? 0,
    failed: counts.failed ?? 0,
  };
  const replied = replies.rows.reduce((n, r) => n + r.n, 0);
  return {
    sequence: { key: sequence.key, name: sequence.name, status: sequence.status, version: sequence.version },
    enrollments,
    replied,
    replyRate: rate(replied, reached.rows[0]?.n ?? 0),
    stoppedByReason: Object.fromEntries(stoppedByReason.rows.map((r) => [r.reason, r.n])),
    steps: [...steps.values()],
  };
}
