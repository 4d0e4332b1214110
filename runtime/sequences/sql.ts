import { q } from '../db/identifier';

/** Enrollment state changes. Each takes ids as $1 and only moves rows in the allowed from-states. */
const RETURNING = 'RETURNING id, sequence_id, contact_id, account_id, status, current_step, next_step, next_run_at, wake_on, schedule_version, vars';

export const enrollmentSql = {
  stop: (s: string) => `
    UPDATE ${q(s)}.enrollments SET status = 'stopped', stop_reason = $2, next_step = NULL, next_run_at = NULL, wake_on = '{}',
           schedule_version = schedule_version + 1, finished_at = now(), updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status IN ('active', 'paused') ${RETURNING}`,

  complete: (s: string) => `
    UPDATE ${q(s)}.enrollments SET status = 'completed', next_step = NULL, next_run_at = NULL, wake_on = '{}',
           schedule_version = schedule_version + 1, finished_at = now(), updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status IN ('active', 'paused') ${RETURNING}`,

  fail: (s: string) => `
    UPDATE ${q(s)}.enrollments SET status = 'failed', stop_reason = $2, schedule_version = schedule_version + 1,
           finished_at = now(), updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status IN ('active', 'paused') ${RETURNING}`,

  /** next_step and next_run_at stay: resume picks the pending step up again. */
  pause: (s: string) => `
    UPDATE ${q(s)}.enrollments SET status = 'paused', pause_reason = $2, paused_until = $3,
           schedule_version = schedule_version + 1, updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status = 'active' ${RETURNING}`,

  /** Makes a waiting step due now; only enrollments whose wake_on names the event. */
  wake: (s: string) => `
    UPDATE ${q(s)}.enrollments SET next_run_at = now(), wake_on = '{}', schedule_version = schedule_version + 1, updated_at = now()
     WHERE contact_id = ANY($1::uuid[]) AND status = 'active' AND $2 = ANY(wake_on) AND next_step IS NOT NULL ${RETURNING}`,

  /** Back to active with its pending step at the given times ($2 enrollment ids ↔ $3 run_at). */
  resume: (s: string) => `
    UPDATE ${q(s)}.enrollments e SET status = 'active', pause_reason = NULL, paused_until = NULL, next_run_at = x.run_at,
           schedule_version = e.schedule_version + 1, updated_at = now()
      FROM unnest($1::uuid[], $2::timestamptz[]) AS x(id, run_at)
     WHERE e.id = x.id AND e.status = 'paused'
    RETURNING e.id, e.sequence_id, e.contact_id, e.account_id, e.status, e.current_step, e.next_step, e.next_run_at, e.wake_on,
              e.schedule_version, e.vars`,

  lockPaused: (s: string) => `
    SELECT id, next_step, next_run_at FROM ${q(s)}.enrollments WHERE id = ANY($1::uuid[]) AND status = 'paused' FOR UPDATE`,

  recordEvents: (s: string) => `
    INSERT INTO ${q(s)}.enrollment_events (enrollment_id, kind, step, reason, data)
    SELECT x.enrollment_id, x.kind, x.step, x.reason, COALESCE(x.data, '{}'::jsonb)
      FROM jsonb_to_recordset($1::jsonb) AS x(enrollment_id uuid, kind text, step text, reason text, data jsonb)`,
};
