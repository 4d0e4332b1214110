import { q } from '../db/identifier';

/** Statements of outbound sends (messages rows written before the provider call). */
const MESSAGE_COLUMNS = `id, idempotency_key, account_id, contact_id, enrollment_id, step, channel, action, status,
  provider_message_id, provider_chat_id, tracking_id, error, raw, sent_at`;

export const outboundSql = {
  identitiesOfContacts: (s: string) => `
    SELECT contact_id, kind, value FROM ${q(s)}.contact_identities WHERE contact_id = ANY($1::uuid[]) ORDER BY id`,

  knownAccounts: (s: string) => `SELECT id, provider FROM ${q(s)}.accounts WHERE id = ANY($1::text[])`,

  /**
   * The latest chat and the latest email of each (account, contact): where "send in chat" and
   * "reply in thread" go when no chat or email id is given.
   */
  latestThreads: (s: string) => `
    WITH k AS (SELECT DISTINCT * FROM unnest($1::text[], $2::uuid[]) AS k(account_id, contact_id)),
    chats AS (
      SELECT c.account_id, c.contact_id, c.provider_chat_id, c.last_message_at AS at
        FROM ${q(s)}.conversations c JOIN k USING (account_id, contact_id)
       WHERE c.channel IS DISTINCT FROM 'email'
      UNION ALL
      SELECT m.account_id, m.contact_id, m.provider_chat_id, COALESCE(m.sent_at, m.created_at)
        FROM ${q(s)}.messages m JOIN k USING (account_id, contact_id)
       WHERE m.provider_chat_id IS NOT NULL AND m.channel IS DISTINCT FROM 'email'
    ),
    emails AS (
      SELECT m.account_id, m.contact_id, m.provider_message_id, m.subject, COALESCE(m.sent_at, m.created_at) AS at
        FROM ${q(s)}.messages m JOIN k USING (account_id, contact_id)
       WHERE m.channel = 'email' AND m.provider_message_id IS NOT NULL
    )
    SELECT k.account_id, k.contact_id,
           (SELECT provider_chat_id FROM chats c WHERE c.account_id = k.account_id AND c.contact_id = k.contact_id
             ORDER BY c.at DESC NULLS LAST LIMIT 1) AS chat_id,
           e.provider_message_id AS email_id, e.subject AS email_subject
      FROM k
      LEFT JOIN LATERAL (SELECT * FROM emails e WHERE e.account_id = k.account_id AND e.contact_id = k.contact_id
                          ORDER BY e.at DESC LIMIT 1) e ON true`,

  /**
   * The at-most-once claim, one statement for the batch. Under `FOR SHARE` locks (so a concurrent
   * stop or do-not-contact commits first and is seen) it decides which items may still go, makes
   * sure their account rows exist, and inserts their `sending` rows. A key that already exists is
   * taken over only when its earlier attempt `failed` (or was a dry run and this is not); otherwise
   * the insert loses and the caller reports a duplicate. $1 = items, $2 = dry run.
   */
  claim: (s: string) => `
    WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(ord int, idempotency_key text, account_id text, provider text,
        contact_id uuid, enrollment_id uuid, step text, channel text, action text, body_text text, body_html text,
        subject text, attachments jsonb, raw jsonb)
    ),
    account_rows AS (
      INSERT INTO ${q(s)}.accounts AS a (id, provider)
      SELECT DISTINCT ON (account_id) account_id, provider FROM input ORDER BY account_id, provider DESC
      ON CONFLICT (id) DO UPDATE SET provider = EXCLUDED.provider, updated_at = now()
       WHERE a.provider = 'UNKNOWN' AND EXCLUDED.provider <> 'UNKNOWN'
    ),
    contact_gate AS (
      SELECT id, do_not_contact FROM ${q(s)}.contacts WHERE id IN (SELECT contact_id FROM input) FOR SHARE
    ),
    enrollment_gate AS (
      SELECT id, status, COALESCE(stop_reason, pause_reason) AS reason FROM ${q(s)}.enrollments
       WHERE id IN (SELECT enrollment_id FROM input) FOR SHARE
    ),
    existing AS (
      SELECT idempotency_key, status FROM ${q(s)}.messages WHERE idempotency_key IN (SELECT idempotency_key FROM input)
    ),
    verdict AS (
      SELECT i.*, ex.status AS existing_status, eg.status AS enrollment_status,
             CASE WHEN cg.do_not_contact THEN 'do_not_contact'
                  WHEN i.enrollment_id IS NOT NULL AND eg.id IS NULL THEN 'enrollment_not_found'
                  WHEN eg.status <> 'active' THEN COALESCE(eg.reason, eg.status) END AS skip
        FROM input i
        LEFT JOIN contact_gate cg ON cg.id = i.contact_id
        LEFT JOIN enrollment_gate eg ON eg.id = i.enrollment_id
        LEFT JOIN existing ex ON ex.idempotency_key = i.idempotency_key
    ),
    claimed AS (
      INSERT INTO ${q(s)}.messages AS m (account_id, contact_id, enrollment_id, step, channel, action, direction, text, html,
                                         subject, attachments, status, idempotency_key, raw)
      SELECT account_id, contact_id, enrollment_id, step, channel, action, 'out', body_text, body_html, subject,
             COALESCE(attachments, '[]'::jsonb), 'sending', idempotency_key, raw
        FROM verdict WHERE skip IS NULL
      ON CONFLICT (idempotency_key) DO UPDATE SET
        status = 'sending', error = NULL, account_id = EXCLUDED.account_id, contact_id = EXCLUDED.contact_id,
        channel = EXCLUDED.channel, action = EXCLUDED.action, text = EXCLUDED.text, html = EXCLUDED.html,
        subject = EXCLUDED.subject, attachments = EXCLUDED.attachments, raw = EXCLUDED.raw, updated_at = now()
       WHERE m.status = 'failed' OR (m.status = 'dry_run' AND NOT $2::boolean)
      RETURNING m.id, m.idempotency_key
    )
    SELECT v.ord, v.skip, v.enrollment_status, v.existing_status, c.id AS claimed_id
      FROM verdict v LEFT JOIN claimed c ON c.idempotency_key = v.idempotency_key`,

  byKeys: (s: string) => `SELECT ${MESSAGE_COLUMNS} FROM ${q(s)}.messages WHERE idempotency_key = ANY($1::text[])`,

  /**
   * Stores each outcome. UniPile's message id is kept only if no other row of the account has it
   * yet (the webhook echo of our own message may have been ingested first); it stays in `raw`.
   */
  finalize: (s: string) => `
    UPDATE ${q(s)}.messages m SET
      status = x.status,
      provider_message_id = CASE WHEN x.provider_message_id IS NULL OR EXISTS (
          SELECT 1 FROM ${q(s)}.messages o
           WHERE o.account_id = m.account_id AND o.provider_message_id = x.provider_message_id AND o.id <> m.id)
        THEN m.provider_message_id ELSE x.provider_message_id END,
      provider_chat_id = COALESCE(x.provider_chat_id, m.provider_chat_id),
      tracking_id = COALESCE(x.tracking_id, m.tracking_id),
      contact_id = COALESCE(m.contact_id, x.contact_id),
      conversation_id = COALESCE(m.conversation_id, (
          SELECT c.id FROM ${q(s)}.conversations c
           WHERE c.account_id = m.account_id AND c.provider_chat_id = COALESCE(x.provider_chat_id, m.provider_chat_id))),
      error = x.error,
      sent_at = CASE WHEN x.status = 'sent' THEN now() ELSE m.sent_at END,
      raw = COALESCE(m.raw, '{}'::jsonb) || COALESCE(x.raw, '{}'::jsonb),
      updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, status text, provider_message_id text, provider_chat_id text,
                                              tracking_id text, contact_id uuid, error jsonb, raw jsonb)
     WHERE m.id = x.id
    RETURNING ${MESSAGE_COLUMNS.split(',').map((c) => `m.${c.trim()}`).join(', ')}`,

  invitationsSent: (s: string) => `
    INSERT INTO ${q(s)}.engagement_events (contact_id, account_id, message_id, enrollment_id, channel, kind, occurred_at, source_key, data)
    SELECT x.contact_id, x.account_id, x.message_id, x.enrollment_id, 'linkedin', 'invitation_sent', now(), x.source_key, x.data
      FROM jsonb_to_recordset($1::jsonb) AS x(contact_id uuid, account_id text, message_id uuid, enrollment_id uuid,
                                              source_key text, data jsonb)
    ON CONFLICT (source_key) DO NOTHING`,
};
