import { q } from '../db/identifier';

/** Statements of the identity graph (contacts, contact_identities). */
export const contactSql = {
  ownersOf: (s: string) => `
    SELECT i.kind, i.value, i.contact_id
      FROM ${q(s)}.contact_identities i
      JOIN unnest($1::text[], $2::text[]) AS k(kind, value) ON i.kind = k.kind AND i.value = k.value`,

  insertContacts: (s: string) => `
    INSERT INTO ${q(s)}.contacts (id, first_name, last_name, full_name, company, company_domain, title, timezone, attributes)
    SELECT x.id, x.first_name, x.last_name, x.full_name, x.company, x.company_domain, x.title, x.timezone, COALESCE(x.attributes, '{}'::jsonb)
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, first_name text, last_name text, full_name text, company text,
                                              company_domain text, title text, timezone text, attributes jsonb)`,

  /** Provided values win; attributes merge key by key. */
  updateContacts: (s: string) => `
    UPDATE ${q(s)}.contacts c SET
      first_name = COALESCE(x.first_name, c.first_name),
      last_name = COALESCE(x.last_name, c.last_name),
      full_name = COALESCE(x.full_name, c.full_name),
      company = COALESCE(x.company, c.company),
      company_domain = COALESCE(x.company_domain, c.company_domain),
      title = COALESCE(x.title, c.title),
      timezone = COALESCE(x.timezone, c.timezone),
      attributes = c.attributes || COALESCE(x.attributes, '{}'::jsonb),
      updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, first_name text, last_name text, full_name text, company text,
                                              company_domain text, title text, timezone text, attributes jsonb)
     WHERE c.id = x.id`,

  insertIdentities: (s: string) => `
    INSERT INTO ${q(s)}.contact_identities (contact_id, kind, value)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
    ON CONFLICT (kind, value) DO NOTHING
    RETURNING kind, value`,

  deleteContacts: (s: string) => `DELETE FROM ${q(s)}.contacts WHERE id = ANY($1::uuid[])`,
};

/** Reads and operator actions on contacts (API, CLI, nodes). */
export const contactReadSql = {
  contact: (s: string) => `SELECT * FROM ${q(s)}.contacts WHERE id = $1`,
  identities: (s: string) => `SELECT kind, value, created_at FROM ${q(s)}.contact_identities WHERE contact_id = $1 ORDER BY kind, value`,
  conversations: (s: string) => `
    SELECT id, account_id, provider_chat_id, channel, subject, status, unread_count, last_message_at, last_inbound_at, last_outbound_at, assigned_to, labels
      FROM ${q(s)}.conversations WHERE contact_id = $1 ORDER BY last_message_at DESC NULLS LAST LIMIT 50`,
  enrollments: (s: string) => `
    SELECT e.id, s.key AS sequence_key, e.account_id, e.status, e.current_step, e.next_step, e.next_run_at, e.stop_reason, e.pause_reason,
           e.enrolled_at, e.finished_at
      FROM ${q(s)}.enrollments e JOIN ${q(s)}.sequences s ON s.id = e.sequence_id
     WHERE e.contact_id = $1 ORDER BY e.enrolled_at DESC LIMIT 100`,
  engagement: (s: string) => `
    SELECT id, kind, channel, account_id, occurred_at, data FROM ${q(s)}.engagement_events
     WHERE contact_id = $1 ORDER BY occurred_at DESC LIMIT 100`,
  markDoNotContact: (s: string) => `
    UPDATE ${q(s)}.contacts SET do_not_contact = true, do_not_contact_reason = $2, do_not_contact_at = COALESCE(do_not_contact_at, now()), updated_at = now()
     WHERE id = ANY($1::uuid[]) RETURNING id`,
  liveEnrollmentsOf: (s: string) => `
    SELECT id FROM ${q(s)}.enrollments WHERE contact_id = ANY($1::uuid[]) AND status IN ('active', 'paused') FOR UPDATE`,
};
