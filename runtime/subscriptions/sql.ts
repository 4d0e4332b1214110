import { q } from '../db/identifier';

const COLUMNS = `id, url, events, sequence_key, secret, description, active, last_success_at, last_failure_at, last_error,
                 consecutive_failures, created_at, updated_at`;

/** Statements of the `subscriptions` table (the registry of n8n trigger endpoints). */
export const subscriptionSql = {
  /** One row per URL: registering the same URL again (a re-activated trigger) takes the new settings and secret. */
  upsert: (s: string) => `
    INSERT INTO ${q(s)}.subscriptions (url, events, sequence_key, secret, description) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (url) DO UPDATE SET events = EXCLUDED.events, sequence_key = EXCLUDED.sequence_key, secret = EXCLUDED.secret,
           description = EXCLUDED.description, active = true, updated_at = now()
    RETURNING ${COLUMNS}`,

  deleteById: (s: string) => `DELETE FROM ${q(s)}.subscriptions WHERE id = $1 RETURNING id`,

  deleteByUrl: (s: string) => `DELETE FROM ${q(s)}.subscriptions WHERE url = $1 RETURNING id`,

  byId: (s: string) => `SELECT ${COLUMNS} FROM ${q(s)}.subscriptions WHERE id = $1`,

  list: (s: string) => `
    SELECT ${COLUMNS} FROM ${q(s)}.subscriptions
     WHERE ($1::text IS NULL OR $1 = ANY(events)) AND ($2::text IS NULL OR sequence_key = $2)
     ORDER BY created_at, id`,

  /** Active subscriptions listing any of the events. */
  forEvents: (s: string) => `
    SELECT ${COLUMNS} FROM ${q(s)}.subscriptions WHERE active AND events && $1::text[] ORDER BY created_at, id`,

  anyForEvent: (s: string) => `SELECT EXISTS (SELECT 1 FROM ${q(s)}.subscriptions WHERE active AND $1 = ANY(events)) AS any`,

  /**
   * Health after deliveries, one statement per batch (x: per subscription, how many deliveries
   * succeeded and failed, and the last error). A batch without failures ends a failure streak.
   */
  recordHealth: (s: string) => `
    UPDATE ${q(s)}.subscriptions sub SET
      last_success_at = CASE WHEN x.succeeded > 0 THEN now() ELSE sub.last_success_at END,
      last_failure_at = CASE WHEN x.failed > 0 THEN now() ELSE sub.last_failure_at END,
      last_error = CASE WHEN x.failed > 0 THEN x.error ELSE NULL END,
      consecutive_failures = CASE WHEN x.failed > 0 THEN sub.consecutive_failures + x.failed ELSE 0 END,
      updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, succeeded int, failed int, error text)
     WHERE sub.id = x.id`,
};
