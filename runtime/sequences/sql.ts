import { q } from '../db/identifier';
import { sortKeySql } from '../db/keyset';

/** Enrollment state changes. Each takes ids as $1 and only moves rows in the allowed from-states. */
const returning = (s: string) =>
  'RETURNING id, sequence_id, contact_id, account_id, status, current_step, next_step, next_run_at, wake_on, schedule_version, vars, ' +
  `(SELECT key FROM ${q(s)}.sequences WHERE sequences.id = sequence_id) AS sequence_key`;

export const enrollmentSql = {
  stop: (s: string) => `
    UPDATE ${q(s)}.enrollments SET status = 'stopped', stop_reason = $2, next_step = NULL, next_run_at = NULL, wake_on = '{}',
           schedule_version = schedule_version + 1, finished_at = now(), updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status IN ('active', 'paused') ${returning(s)}`,

  complete: (s: string) => `
    UPDATE ${q(s)}.enrollments SET status = 'completed', next_step = NULL, next_run_at = NULL, wake_on = '{}',
           schedule_version = schedule_version + 1, finished_at = now(), updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status IN ('active', 'paused') ${returning(s)}`,

  fail: (s: string) => `
    UPDATE ${q(s)}.enrollments SET status = 'failed', stop_reason = $2, schedule_version = schedule_version + 1,
           finished_at = now(), updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status IN ('active', 'paused') ${returning(s)}`,

  /** next_step and next_run_at stay: resume picks the pending step up again. */
  pause: (s: string) => `
    UPDATE ${q(s)}.enrollments SET status = 'paused', pause_reason = $2, paused_until = $3,
           schedule_version = schedule_version + 1, updated_at = now()
     WHERE id = ANY($1::uuid[]) AND status = 'active' ${returning(s)}`,

  /** Makes a waiting step due now; only enrollments whose wake_on names the event. */
  wake: (s: string) => `
    UPDATE ${q(s)}.enrollments SET next_run_at = now(), wake_on = '{}', schedule_version = schedule_version + 1, updated_at = now()
     WHERE contact_id = ANY($1::uuid[]) AND status = 'active' AND $2 = ANY(wake_on) AND next_step IS NOT NULL ${returning(s)}`,

  /** Back to active with its pending step at the given times ($2 enrollment ids ↔ $3 run_at). */
  resume: (s: string) => `
    UPDATE ${q(s)}.enrollments e SET status = 'active', pause_reason = NULL, paused_until = NULL, next_run_at = x.run_at,
           schedule_version = e.schedule_version + 1, updated_at = now()
      FROM unnest($1::uuid[], $2::timestamptz[]) AS x(id, run_at)
     WHERE e.id = x.id AND e.status = 'paused'
    RETURNING e.id, e.sequence_id, e.contact_id, e.account_id, e.status, e.current_step, e.next_step, e.next_run_at, e.wake_on,
              e.schedule_version, e.vars, (SELECT key FROM ${q(s)}.sequences WHERE sequences.id = e.sequence_id) AS sequence_key`,

  lockPaused: (s: string) => `
    SELECT id, next_step, next_run_at FROM ${q(s)}.enrollments WHERE id = ANY($1::uuid[]) AND status = 'paused' FOR UPDATE`,

  recordEvents: (s: string) => `
    INSERT INTO ${q(s)}.enrollment_events (enrollment_id, kind, step, reason, data)
    SELECT x.enrollment_id, x.kind, x.step, x.reason, COALESCE(x.data, '{}'::jsonb)
      FROM jsonb_to_recordset($1::jsonb) AS x(enrollment_id uuid, kind text, step text, reason text, data jsonb)`,
};

const SEQUENCE_COLUMNS = 'id, key, name, status, settings, version, created_at, updated_at';

/** Sequence definitions. */
export const sequenceSql = {
  insert: (s: string) => `
    INSERT INTO ${q(s)}.sequences (key, name, status, settings) VALUES ($1, $2, $3, $4)
    ON CONFLICT (key) DO NOTHING RETURNING ${SEQUENCE_COLUMNS}`,

  byKey: (s: string) => `SELECT ${SEQUENCE_COLUMNS} FROM ${q(s)}.sequences WHERE key = $1`,

  lockByKey: (s: string) => `SELECT ${SEQUENCE_COLUMNS} FROM ${q(s)}.sequences WHERE key = $1 FOR UPDATE`,

  list: (s: string) => `
    SELECT ${SEQUENCE_COLUMNS} FROM ${q(s)}.sequences WHERE ($1::text IS NULL OR status = $1) ORDER BY key`,

  update: (s: string) => `
    UPDATE ${q(s)}.sequences SET name = $2, settings = $3, status = $4, version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING ${SEQUENCE_COLUMNS}`,

  liveEnrollmentIds: (s: string) => `
    SELECT id FROM ${q(s)}.enrollments WHERE sequence_id = $1 AND status = ANY($2::text[]) AND ($3::text IS NULL OR pause_reason = $3)`,
};

/** The sequence, settings and contact zone of enrollments: what the calendar needs to time their steps. */
const CALENDAR_COLUMNS = `e.id, e.status, e.next_step, e.next_run_at, e.wake_on, e.schedule_version, e.sequence_id,
       s.status AS sequence_status, s.settings, c.timezone AS contact_timezone`;

/** Scheduling, retry and dispatch. */
export const engineSql = {
  lockForSchedule: (s: string) => `
    SELECT ${CALENDAR_COLUMNS}
      FROM ${q(s)}.enrollments e JOIN ${q(s)}.sequences s ON s.id = e.sequence_id JOIN ${q(s)}.contacts c ON c.id = e.contact_id
     WHERE e.id = ANY($1::uuid[]) ORDER BY e.id FOR UPDATE OF e`,

  /** x: id, step, run_at, wake_on (a JSON array) per enrollment. */
  schedule: (s: string) => `
    UPDATE ${q(s)}.enrollments e SET next_step = x.step, next_run_at = x.run_at,
           wake_on = ARRAY(SELECT jsonb_array_elements_text(x.wake_on)), schedule_version = e.schedule_version + 1, updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, step text, run_at timestamptz, wake_on jsonb)
     WHERE e.id = x.id
    RETURNING e.id, e.status, e.next_step, e.next_run_at, e.wake_on, e.schedule_version`,

  /**
   * Failed → active with its failed step due now (paused when its sequence is paused), unless the
   * contact has been enrolled again meanwhile (one live enrollment per sequence and contact).
   */
  retry: (s: string) => `
    UPDATE ${q(s)}.enrollments e SET
           status = CASE WHEN s.status = 'active' THEN 'active' ELSE 'paused' END,
           pause_reason = CASE WHEN s.status = 'active' THEN NULL ELSE 'sequence_paused' END,
           stop_reason = NULL, finished_at = NULL, next_run_at = CASE WHEN e.next_step IS NULL THEN NULL ELSE now() END,
           schedule_version = e.schedule_version + 1, updated_at = now()
      FROM ${q(s)}.sequences s
     WHERE s.id = e.sequence_id AND e.id = ANY($1::uuid[]) AND e.status = 'failed' AND s.status <> 'archived'
       AND NOT EXISTS (SELECT 1 FROM ${q(s)}.enrollments o
                        WHERE o.sequence_id = e.sequence_id AND o.contact_id = e.contact_id AND o.status IN ('active', 'paused'))
    RETURNING e.id, e.status, e.next_step, e.next_run_at, e.schedule_version`,

  statuses: (s: string) => `SELECT id, status, schedule_version FROM ${q(s)}.enrollments WHERE id = ANY($1::uuid[])`,

  lockStatuses: (s: string) => `SELECT id, status, schedule_version FROM ${q(s)}.enrollments WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,

  /** Everything a step delivery carries, with the enrollment row locked. */
  lockForDispatch: (s: string) => `
    SELECT ${CALENDAR_COLUMNS}, e.current_step, e.vars, e.enrolled_at, e.last_step_at, e.contact_id, e.account_id,
           s.key AS sequence_key, s.name AS sequence_name, s.version AS sequence_version, c.do_not_contact,
           jsonb_build_object('id', c.id, 'firstName', c.first_name, 'lastName', c.last_name, 'fullName', c.full_name,
             'company', c.company, 'companyDomain', c.company_domain, 'title', c.title, 'timezone', c.timezone,
             'attributes', c.attributes,
             'identities', COALESCE((SELECT jsonb_agg(jsonb_build_object('kind', i.kind, 'value', i.value) ORDER BY i.id)
                                       FROM ${q(s)}.contact_identities i WHERE i.contact_id = c.id), '[]'::jsonb)) AS contact,
           CASE WHEN a.id IS NULL THEN NULL
                ELSE jsonb_build_object('id', a.id, 'provider', a.provider, 'name', a.name, 'timezone', a.timezone, 'status', a.status) END AS account
      FROM ${q(s)}.enrollments e JOIN ${q(s)}.sequences s ON s.id = e.sequence_id JOIN ${q(s)}.contacts c ON c.id = e.contact_id
      LEFT JOIN ${q(s)}.accounts a ON a.id = e.account_id
     WHERE e.id = ANY($1::uuid[]) ORDER BY e.id FOR UPDATE OF e`,

  /**
   * The step went out: it becomes the current step. The pending step is cleared only when nothing
   * rescheduled the enrollment meanwhile (the flow may already have scheduled the next one).
   */
  markDispatched: (s: string) => `
    UPDATE ${q(s)}.enrollments e SET current_step = x.step, last_step_at = now(), updated_at = now(),
           next_step = CASE WHEN e.schedule_version = x.version THEN NULL ELSE e.next_step END,
           next_run_at = CASE WHEN e.schedule_version = x.version THEN NULL ELSE e.next_run_at END,
           wake_on = CASE WHEN e.schedule_version = x.version THEN '{}' ELSE e.wake_on END
      FROM unnest($1::uuid[], $2::text[], $3::int[]) AS x(id, step, version)
     WHERE e.id = x.id`,
};

/** Bulk enrolment. */
export const enrollSql = {
  ensureAccount: (s: string) => `INSERT INTO ${q(s)}.accounts (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`,

  /**
   * Per contact: do-not-contact, zone, a reply within $3 days (null: not asked), and the enrollment in
   * this sequence that blocks a new one — the live one, else (unless re-enrolment is allowed) the latest.
   */
  screen: (s: string) => `
    SELECT c.id, c.do_not_contact, c.timezone,
           ($3::int IS NOT NULL AND EXISTS (SELECT 1 FROM ${q(s)}.engagement_events g
                      WHERE g.contact_id = c.id AND g.kind = 'reply' AND g.occurred_at > now() - make_interval(days => $3::int))) AS replied_recently,
           blocking.id AS enrollment_id
      FROM ${q(s)}.contacts c
      LEFT JOIN LATERAL (SELECT e.id FROM ${q(s)}.enrollments e
                          WHERE e.sequence_id = $2 AND e.contact_id = c.id AND ($4::boolean = false OR e.status IN ('active', 'paused'))
                          ORDER BY (e.status IN ('active', 'paused')) DESC, e.enrolled_at DESC LIMIT 1) blocking ON true
     WHERE c.id = ANY($1::uuid[])`,

  /** New enrollments; a concurrent enrolment of the same contact wins and this row is skipped. */
  insert: (s: string) => `
    INSERT INTO ${q(s)}.enrollments (id, sequence_id, contact_id, account_id, status, pause_reason, next_step, next_run_at, schedule_version, vars)
    SELECT x.id, $2, x.contact_id, $3, $4, $5, $6, x.run_at, 1, x.vars
      FROM unnest($1::uuid[], $7::uuid[], $8::timestamptz[], $9::jsonb[]) AS x(id, contact_id, run_at, vars)
    ON CONFLICT (sequence_id, contact_id) WHERE status IN ('active', 'paused') DO NOTHING
    RETURNING id`,

  liveFor: (s: string) => `
    SELECT id, contact_id FROM ${q(s)}.enrollments WHERE sequence_id = $1 AND contact_id = ANY($2::uuid[]) AND status IN ('active', 'paused')`,

  analyze: (s: string) => `ANALYZE ${q(s)}.enrollments`,
};

const ENROLLMENT_COLUMNS = `e.id, e.status, e.current_step, e.next_step, e.next_run_at, e.wake_on, e.schedule_version, e.vars, e.stop_reason,
           e.pause_reason, e.paused_until, e.enrolled_at, e.last_step_at, e.finished_at, e.contact_id, e.account_id,
           s.id AS sequence_id, s.key AS sequence_key, s.name AS sequence_name`;

/** Reading enrollments with their timeline. */
export const readSql = {
  enrollments: (s: string) => `
    SELECT ${ENROLLMENT_COLUMNS}
      FROM ${q(s)}.enrollments e JOIN ${q(s)}.sequences s ON s.id = e.sequence_id
     WHERE e.id = ANY($1::uuid[])`,

  /**
   * Newest enrollments first, filtered by sequence key ($1), status ($2), contact ($3) and step ($4: the
   * pending step, else the last one), after the keyset ($5 enrolled_at, $6 id), $7 rows. `sort_at` keeps
   * the microseconds: one bulk enrolment gives every row the same enrolled_at.
   */
  list: (s: string) => `
    SELECT ${ENROLLMENT_COLUMNS}, ${sortKeySql('e.enrolled_at')}
      FROM ${q(s)}.enrollments e JOIN ${q(s)}.sequences s ON s.id = e.sequence_id
     WHERE ($1::text IS NULL OR s.key = $1)
       AND ($2::text IS NULL OR e.status = $2)
       AND ($3::uuid IS NULL OR e.contact_id = $3)
       AND ($4::text IS NULL OR COALESCE(e.next_step, e.current_step) = $4)
       AND ($5::timestamptz IS NULL OR (e.enrolled_at, e.id) < ($5::timestamptz, $6::uuid))
     ORDER BY e.enrolled_at DESC, e.id DESC
     LIMIT $7`,

  /** The latest $2 timeline events of each enrollment, oldest first. */
  timelines: (s: string) => `
    SELECT t.enrollment_id, t.at, t.kind, t.step, t.reason, t.data
      FROM unnest($1::uuid[]) AS x(id)
      CROSS JOIN LATERAL (SELECT * FROM ${q(s)}.enrollment_events ev WHERE ev.enrollment_id = x.id ORDER BY ev.at DESC, ev.id DESC LIMIT $2) t
     ORDER BY t.enrollment_id, t.at, t.id`,
};

/** What `simulate` reads (never writes). */
export const simulateSql = {
  contactZone: (s: string) => `SELECT id, timezone FROM ${q(s)}.contacts WHERE id = $1`,

  liveEnrollment: (s: string) => `
    SELECT id, account_id FROM ${q(s)}.enrollments WHERE sequence_id = $1 AND contact_id = $2 AND status IN ('active', 'paused')`,

  /** The Rate Gate's known state of an account (its own table, read only): spacing and cooldowns per action. */
  rateState: (s: string) => `
    SELECT action, next_allowed_at, cooldown_until FROM ${q(s)}.rate_state WHERE account_id = $1`,
};

/**
 * A sequence's funnel ($1 = sequence id). Every count is of distinct enrollments, so a step retried or
 * rescheduled counts once.
 */
export const statsSql = {
  byStatus: (s: string) => `SELECT status, count(*)::int AS n FROM ${q(s)}.enrollments WHERE sequence_id = $1 GROUP BY status`,

  stoppedByReason: (s: string) => `
    SELECT COALESCE(stop_reason, 'unknown') AS reason, count(*)::int AS n
      FROM ${q(s)}.enrollments WHERE sequence_id = $1 AND status = 'stopped' GROUP BY 1`,

  /** Per step, from the timeline: scheduled (enrolled at, scheduled or skipped to it), dispatched, failed. */
  stepEvents: (s: string) => `
    SELECT ev.step,
           count(DISTINCT ev.enrollment_id) FILTER (WHERE ev.kind IN ('enrolled', 'scheduled', 'skipped'))::int AS scheduled,
           count(DISTINCT ev.enrollment_id) FILTER (WHERE ev.kind = 'dispatched')::int AS dispatched,
           count(DISTINCT ev.enrollment_id) FILTER (WHERE ev.kind = 'failed')::int AS failed,
           min(ev.at) AS first_at
      FROM ${q(s)}.enrollment_events ev JOIN ${q(s)}.enrollments e ON e.id = ev.enrollment_id
     WHERE e.sequence_id = $1 AND ev.step IS NOT NULL AND ev.step <> ''
     GROUP BY ev.step`,

  /** Stops per step (the last step that went out before the stop) and reason. */
  stepStops: (s: string) => `
    SELECT ev.step, COALESCE(ev.reason, 'unknown') AS reason, count(DISTINCT ev.enrollment_id)::int AS n
      FROM ${q(s)}.enrollment_events ev JOIN ${q(s)}.enrollments e ON e.id = ev.enrollment_id
     WHERE e.sequence_id = $1 AND ev.kind = 'stopped' AND ev.step IS NOT NULL
     GROUP BY 1, 2`,

  /** Enrollments with at least one dispatched step: the whole funnel's reply-rate base. */
  dispatchedEnrollments: (s: string) => `
    SELECT count(DISTINCT ev.enrollment_id)::int AS n
      FROM ${q(s)}.enrollment_events ev JOIN ${q(s)}.enrollments e ON e.id = ev.enrollment_id
     WHERE e.sequence_id = $1 AND ev.kind = 'dispatched'`,

  /** Outbound messages sent for each step (UniPile Send records the step on the message). */
  stepSent: (s: string) => `
    SELECT m.step, count(DISTINCT m.enrollment_id)::int AS n
      FROM ${q(s)}.messages m JOIN ${q(s)}.enrollments e ON e.id = m.enrollment_id
     WHERE e.sequence_id = $1 AND m.direction = 'out' AND m.status = 'sent' AND m.step IS NOT NULL
     GROUP BY m.step`,

  /**
   * Replies, each enrollment's first reply (any channel of the contact) credited to the last step
   * dispatched before it; a reply before the first dispatch is credited to no step.
   */
  stepReplies: (s: string) => `
    WITH first_reply AS (
      SELECT e.id, min(g.occurred_at) AS at
        FROM ${q(s)}.enrollments e
        JOIN ${q(s)}.engagement_events g ON g.contact_id = e.contact_id AND g.kind = 'reply' AND g.occurred_at >= e.enrolled_at
       WHERE e.sequence_id = $1
       GROUP BY e.id)
    SELECT last.step, count(*)::int AS n
      FROM first_reply r
      JOIN LATERAL (SELECT ev.step FROM ${q(s)}.enrollment_events ev
                     WHERE ev.enrollment_id = r.id AND ev.kind = 'dispatched' AND ev.at <= r.at
                     ORDER BY ev.at DESC, ev.id DESC LIMIT 1) last ON true
     GROUP BY last.step`,
};
