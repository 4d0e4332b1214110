import { q } from '../db/identifier';

/**
 * Statements of the ingest (accounts, conversations, messages, engagement events, webhook_events).
 * Each takes a whole batch as a jsonb array ($1) so a batch costs one round trip per step.
 * Rows that may already exist are found with insert-if-missing + select, not with an upsert, so
 * deliveries for the same account never queue on its row lock.
 */
const ACCOUNT_COLUMNS = 'id, provider, own_provider_id, status';
const CONVERSATION_COLUMNS = 'id, account_id, provider_chat_id, contact_id, channel, unread_count';
const MESSAGE_COLUMNS = 'id, account_id, provider_message_id, direction, enrollment_id, conversation_id, contact_id, sent_at, status, classification';

/** Inbound unread: inbound messages after the later of the last outbound message and the last read. */
const unreadAfter = (s: string, conversation: string, since: string) =>
  `(SELECT count(*)::int FROM ${q(s)}.messages m WHERE m.conversation_id = ${conversation} AND m.direction = 'in'
      AND m.sent_at > COALESCE(${since}, '-infinity'::timestamptz))`;

export const inboxSql = {
  ensureAccounts: (s: string) => `
    WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, provider text, own_provider_id text)),
    ins AS (
      INSERT INTO ${q(s)}.accounts (id, provider, own_provider_id)
      SELECT id, COALESCE(provider, 'UNKNOWN'), own_provider_id FROM x ORDER BY id
      ON CONFLICT (id) DO NOTHING
      RETURNING ${ACCOUNT_COLUMNS})
    SELECT ${ACCOUNT_COLUMNS} FROM ins
    UNION ALL
    SELECT a.id, a.provider, a.own_provider_id, a.status FROM ${q(s)}.accounts a JOIN x ON x.id = a.id`,

  accountsById: (s: string) => `SELECT ${ACCOUNT_COLUMNS} FROM ${q(s)}.accounts WHERE id = ANY($1::text[])`,

  /** What a payload says about an account that we did not know yet (type, own member id). */
  completeAccounts: (s: string) => `
    UPDATE ${q(s)}.accounts a SET provider = COALESCE(x.provider, a.provider), own_provider_id = COALESCE(x.own_provider_id, a.own_provider_id),
           updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id text, provider text, own_provider_id text)
     WHERE a.id = x.id
    RETURNING a.id, a.provider, a.own_provider_id, a.status`,

  /** $2 status, $3 hosted-auth link name (kept as the name when the account has none). */
  setAccountStatus: (s: string) => `
    UPDATE ${q(s)}.accounts a SET status = $2, name = COALESCE(a.name, $3),
           status_changed_at = CASE WHEN p.previous IS DISTINCT FROM $2 THEN now() ELSE a.status_changed_at END, updated_at = now()
      FROM (SELECT id, status AS previous FROM ${q(s)}.accounts WHERE id = $1 FOR UPDATE) p
     WHERE a.id = p.id
    RETURNING a.id, a.provider, a.own_provider_id, a.status, p.previous`,

  /** Names and titles fill only what a contact lacks; returns every listed contact as it is now. */
  fillContactNames: (s: string) => `
    WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, full_name text, first_name text, last_name text, title text)),
    filled AS (
      UPDATE ${q(s)}.contacts c SET full_name = COALESCE(c.full_name, x.full_name), first_name = COALESCE(c.first_name, x.first_name),
             last_name = COALESCE(c.last_name, x.last_name), title = COALESCE(c.title, x.title), updated_at = now()
        FROM x
       WHERE c.id = x.id
         AND ((c.full_name IS NULL AND x.full_name IS NOT NULL) OR (c.first_name IS NULL AND x.first_name IS NOT NULL)
           OR (c.last_name IS NULL AND x.last_name IS NOT NULL) OR (c.title IS NULL AND x.title IS NOT NULL))
      RETURNING c.id, c.full_name, c.company_domain)
    SELECT c.id, COALESCE(f.full_name, c.full_name) AS full_name, c.company_domain
      FROM x JOIN ${q(s)}.contacts c ON c.id = x.id LEFT JOIN filled f ON f.id = c.id`,

  contactsByEmail: (s: string) => `SELECT value, contact_id FROM ${q(s)}.contact_identities WHERE kind = 'email' AND value = ANY($1::text[])`,

  ensureConversations: (s: string) => `
    WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(account_id text, provider_chat_id text, contact_id uuid, channel text, subject text)),
    ins AS (
      INSERT INTO ${q(s)}.conversations (account_id, provider_chat_id, contact_id, channel, subject)
      SELECT account_id, provider_chat_id, contact_id, channel, subject FROM x ORDER BY account_id, provider_chat_id
      ON CONFLICT (account_id, provider_chat_id) DO NOTHING
      RETURNING ${CONVERSATION_COLUMNS})
    SELECT ${CONVERSATION_COLUMNS}, true AS created FROM ins
    UNION ALL
    SELECT c.id, c.account_id, c.provider_chat_id, c.contact_id, c.channel, c.unread_count, false
      FROM ${q(s)}.conversations c JOIN x ON c.account_id = x.account_id AND c.provider_chat_id = x.provider_chat_id`,

  /** A new conversation adopts the messages already recorded in its chat (a send recorded before any webhook). */
  adoptMessages: (s: string) => `
    UPDATE ${q(s)}.messages m SET conversation_id = c.id, updated_at = now()
      FROM ${q(s)}.conversations c
     WHERE c.id = ANY($1::uuid[]) AND m.account_id = c.account_id AND m.provider_chat_id = c.provider_chat_id AND m.conversation_id IS NULL`,

  conversationsByChat: (s: string) => `
    SELECT ${CONVERSATION_COLUMNS} FROM ${q(s)}.conversations c
      JOIN unnest($1::text[], $2::text[]) AS k(account_id, provider_chat_id) USING (account_id, provider_chat_id)`,

  /** The email an email answers: by `in_reply_to` (UniPile id), else our outbound email with the same tracking id. */
  parentMessages: (s: string) => `
    SELECT x.idx, p.id, p.conversation_id, p.provider_chat_id, p.contact_id, p.enrollment_id
      FROM jsonb_to_recordset($1::jsonb) AS x(idx int, account_id text, ids text[], tracking_id text)
      JOIN LATERAL (SELECT m.id, m.conversation_id, m.provider_chat_id, m.contact_id, m.enrollment_id FROM ${q(s)}.messages m
                     WHERE m.account_id = x.account_id
                       AND (m.provider_message_id = ANY(x.ids) OR (m.tracking_id = x.tracking_id AND m.direction = 'out'))
                     ORDER BY (m.provider_message_id = ANY(x.ids)) DESC, m.created_at LIMIT 1) p ON true`,

  /**
   * The echo of a send we recorded before UniPile gave it an id: the same tracking id (email), or a
   * `sending`/`unknown` row in the same chat (or to the same contact when the chat was new) with the
   * same text. It takes the provider id, so the insert that follows finds it instead of duplicating.
   */
  confirmRecordedSends: (s: string) => `
    UPDATE ${q(s)}.messages m SET provider_message_id = x.provider_message_id, provider_chat_id = COALESCE(m.provider_chat_id, x.provider_chat_id),
           conversation_id = COALESCE(m.conversation_id, x.conversation_id), contact_id = COALESCE(m.contact_id, x.contact_id),
           status = 'sent', sent_at = COALESCE(m.sent_at, x.sent_at), updated_at = now()
      FROM (SELECT x.*, COALESCE(
              (SELECT t.id FROM ${q(s)}.messages t
                WHERE x.tracking_id IS NOT NULL AND t.tracking_id = x.tracking_id AND t.account_id = x.account_id AND t.direction = 'out'
                  AND (t.provider_message_id IS NULL OR t.provider_message_id = t.tracking_id)
                ORDER BY t.created_at LIMIT 1),
              (SELECT t.id FROM ${q(s)}.messages t
                WHERE x.text IS NOT NULL AND t.account_id = x.account_id AND t.direction = 'out' AND t.provider_message_id IS NULL
                  AND t.status IN ('sending', 'unknown')
                  AND (t.provider_chat_id = x.provider_chat_id OR (t.provider_chat_id IS NULL AND t.contact_id = x.contact_id))
                  AND regexp_replace(btrim(t.text), '\\s+', ' ', 'g') = x.text
                ORDER BY t.created_at LIMIT 1)) AS target
              FROM jsonb_to_recordset($1::jsonb) AS x(idx int, account_id text, provider_chat_id text, provider_message_id text,
                                                     conversation_id uuid, contact_id uuid, text text, tracking_id text, sent_at timestamptz)) x
     WHERE m.id = x.target
       -- An echo already stored on its own (its text differed) keeps its row; the recorded send stays as it is.
       AND NOT EXISTS (SELECT 1 FROM ${q(s)}.messages o WHERE o.account_id = x.account_id AND o.provider_message_id = x.provider_message_id)
    RETURNING x.idx, m.id`,

  /**
   * New messages are inserted (an inbound one with the rules' classification); a known one (a
   * repeat, or a send recorded with this provider id) only gets what it lacked — never another
   * classification — and a send whose outcome was unknown becomes `sent`. Unchanged repeats return nothing.
   */
  upsertMessages: (s: string) => `
    INSERT INTO ${q(s)}.messages (account_id, conversation_id, contact_id, provider_message_id, provider_chat_id, channel, direction, text, html,
                                  subject, attachments, sent_at, status, tracking_id, classification, raw)
    SELECT x.account_id, x.conversation_id, x.contact_id, x.provider_message_id, x.provider_chat_id, x.channel, x.direction, x.text, x.html,
           x.subject, COALESCE(x.attachments, '[]'::jsonb), x.sent_at, x.status, x.tracking_id, x.classification, x.raw
      FROM jsonb_to_recordset($1::jsonb) AS x(account_id text, conversation_id uuid, contact_id uuid, provider_message_id text, provider_chat_id text,
                                             channel text, direction text, text text, html text, subject text, attachments jsonb,
                                             sent_at timestamptz, status text, tracking_id text, classification jsonb, raw jsonb)
    ON CONFLICT (account_id, provider_message_id) DO UPDATE SET
           conversation_id = COALESCE(messages.conversation_id, EXCLUDED.conversation_id),
           contact_id = COALESCE(messages.contact_id, EXCLUDED.contact_id),
           provider_chat_id = COALESCE(messages.provider_chat_id, EXCLUDED.provider_chat_id),
           status = CASE WHEN messages.status IN ('queued', 'sending', 'unknown') THEN 'sent' ELSE messages.status END,
           sent_at = COALESCE(messages.sent_at, EXCLUDED.sent_at),
           updated_at = now()
     WHERE messages.conversation_id IS NULL OR messages.provider_chat_id IS NULL OR messages.sent_at IS NULL
        OR (messages.contact_id IS NULL AND EXCLUDED.contact_id IS NOT NULL) OR messages.status IN ('queued', 'sending', 'unknown')
    RETURNING ${MESSAGE_COLUMNS}, (xmax = 0) AS inserted`,

  messagesByProviderId: (s: string) => `
    SELECT ${MESSAGE_COLUMNS} FROM ${q(s)}.messages m
      JOIN unnest($1::text[], $2::text[]) AS k(account_id, provider_message_id) USING (account_id, provider_message_id)`,

  /** Timestamps only move forward and unread is recomputed, so delivery order does not matter. */
  touchConversations: (s: string) => `
    UPDATE ${q(s)}.conversations c SET
           contact_id = COALESCE(c.contact_id, x.contact_id),
           subject = COALESCE(c.subject, x.subject),
           last_message_at = GREATEST(c.last_message_at, x.last_at),
           last_inbound_at = GREATEST(c.last_inbound_at, x.last_in),
           last_outbound_at = GREATEST(c.last_outbound_at, x.last_out),
           unread_count = ${unreadAfter(s, 'c.id', 'GREATEST(c.last_outbound_at, x.last_out, c.last_read_at)')},
           updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, contact_id uuid, subject text, last_at timestamptz, last_in timestamptz, last_out timestamptz)
     WHERE c.id = x.id
    RETURNING c.id, c.unread_count`,

  /**
   * `message_read`: the account's owner read the chat up to `read_at` — when the reader is the
   * account itself, or, with no reader named, when the message read is one we received.
   */
  markRead: (s: string) => `
    UPDATE ${q(s)}.conversations c SET last_read_at = GREATEST(c.last_read_at, x.read_at),
           unread_count = ${unreadAfter(s, 'c.id', 'GREATEST(c.last_outbound_at, c.last_read_at, x.read_at)')},
           updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(account_id text, provider_chat_id text, provider_message_id text, read_at timestamptz, by_owner boolean)
     WHERE c.account_id = x.account_id AND c.provider_chat_id = x.provider_chat_id
       AND (x.by_owner OR (x.by_owner IS NULL AND EXISTS (
             SELECT 1 FROM ${q(s)}.messages m WHERE m.account_id = x.account_id AND m.provider_message_id = x.provider_message_id AND m.direction = 'in')))
    RETURNING c.id, c.unread_count`,

  insertEngagement: (s: string) => `
    INSERT INTO ${q(s)}.engagement_events (contact_id, account_id, conversation_id, message_id, enrollment_id, channel, kind, occurred_at, source_key, data)
    SELECT x.contact_id, x.account_id, x.conversation_id, x.message_id, x.enrollment_id, x.channel, x.kind, x.occurred_at, x.source_key,
           COALESCE(x.data, '{}'::jsonb)
      FROM jsonb_to_recordset($1::jsonb) AS x(contact_id uuid, account_id text, conversation_id uuid, message_id uuid, enrollment_id uuid,
                                             channel text, kind text, occurred_at timestamptz, source_key text, data jsonb)
    ON CONFLICT (source_key) DO NOTHING
    RETURNING id, source_key`,

  /**
   * Live enrollments a reply may stop: the replier's own, and colleagues' with the same company
   * domain (kept only for sequences whose scope is `company`). A reply written well before an
   * enrollment started (an old message found late) does not stop it; 15 minutes absorb clock skew.
   */
  replyCandidates: (s: string) => `
    WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(idx int, contact_id uuid, account_id text, conversation_id uuid, chat_id text, sent_at timestamptz)),
    people AS (
      SELECT r.idx, r.contact_id AS person FROM r
      UNION
      SELECT r.idx, colleague.id FROM r
        JOIN ${q(s)}.contacts rc ON rc.id = r.contact_id AND rc.company_domain IS NOT NULL
        JOIN ${q(s)}.contacts colleague ON colleague.company_domain = rc.company_domain)
    SELECT r.idx, e.id, e.sequence_id, e.contact_id, e.account_id, sq.settings, (e.contact_id = r.contact_id) AS own,
           EXISTS (SELECT 1 FROM ${q(s)}.messages m WHERE m.enrollment_id = e.id AND m.direction = 'out'
                     AND (m.conversation_id = r.conversation_id OR (m.account_id = r.account_id AND m.provider_chat_id = r.chat_id))) AS sent_in_conversation,
           EXISTS (SELECT 1 FROM ${q(s)}.messages m WHERE m.enrollment_id = e.id AND m.direction = 'out' AND m.account_id = r.account_id) AS sent_on_account
      FROM people p
      JOIN r ON r.idx = p.idx
      JOIN ${q(s)}.enrollments e ON e.contact_id = p.person AND e.status IN ('active', 'paused')
       AND e.enrolled_at <= r.sent_at + interval '15 minutes'
      JOIN ${q(s)}.sequences sq ON sq.id = e.sequence_id
     ORDER BY r.idx, e.id`,

  /** The outbound email an open or click is about: by tracking id, else by email id. */
  trackedMessages: (s: string) => `
    SELECT DISTINCT ON (x.idx) x.idx, m.id, m.contact_id, m.enrollment_id, m.conversation_id, m.channel, m.provider_message_id
      FROM jsonb_to_recordset($1::jsonb) AS x(idx int, account_id text, tracking_id text, email_id text)
      JOIN ${q(s)}.messages m ON m.account_id = x.account_id AND m.direction = 'out'
       AND (m.tracking_id = x.tracking_id OR m.provider_message_id = x.email_id)
     ORDER BY x.idx, (m.tracking_id IS NOT DISTINCT FROM x.tracking_id) DESC, m.created_at`,

  /** Locks enrollments in id order before changing them, so concurrent replies never deadlock. */
  lockEnrollments: (s: string) => `SELECT id FROM ${q(s)}.enrollments WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,

  liveEnrollmentsOfAccounts: (s: string) => `
    SELECT id FROM ${q(s)}.enrollments WHERE account_id = ANY($1::text[]) AND status = 'active' ORDER BY id FOR UPDATE`,

  /** Enrollments paused because their account disconnected (and by nothing else). */
  disconnectedEnrollments: (s: string) => `
    SELECT id FROM ${q(s)}.enrollments
     WHERE account_id = ANY($1::text[]) AND status = 'paused' AND pause_reason = 'account_disconnected'
     ORDER BY id FOR UPDATE`,
};

/** The reconciler's reads and bookkeeping. */
export const reconcileSql = {
  account: (s: string) => `SELECT id, provider, own_provider_id, status, last_synced_at FROM ${q(s)}.accounts WHERE id = $1`,

  /** Accounts worth polling: known provider, not waiting for a reconnect. $1 = statuses that mean disconnected. */
  pollable: (s: string) => `SELECT id FROM ${q(s)}.accounts WHERE status <> ALL($1::text[]) AND provider <> 'UNKNOWN' ORDER BY id`,

  /** What `GET /accounts` says, without touching `status` (status changes go through the ingest). */
  upsertFromApi: (s: string) => `
    INSERT INTO ${q(s)}.accounts (id, provider, name, own_provider_id, raw)
    SELECT x.id, x.provider, x.name, x.own_provider_id, x.raw
      FROM jsonb_to_recordset($1::jsonb) AS x(id text, provider text, name text, own_provider_id text, raw jsonb) ORDER BY x.id
    ON CONFLICT (id) DO UPDATE SET provider = EXCLUDED.provider, name = COALESCE(EXCLUDED.name, accounts.name),
           own_provider_id = COALESCE(EXCLUDED.own_provider_id, accounts.own_provider_id), raw = EXCLUDED.raw, updated_at = now()
    RETURNING id, status`,

  markSynced: (s: string) => `
    UPDATE ${q(s)}.accounts SET last_synced_at = $2, updated_at = now() WHERE id = $1 AND (last_synced_at IS NULL OR last_synced_at < $2)`,

  /** LinkedIn members we invited from this account who have not accepted yet, and when we invited them. */
  pendingInvitations: (s: string) => `
    SELECT COALESCE(sent.data->>'provider_id', i.value) AS provider_id, min(sent.occurred_at) AS sent_at
      FROM ${q(s)}.engagement_events sent
      LEFT JOIN ${q(s)}.contact_identities i ON i.contact_id = sent.contact_id AND i.kind = 'linkedin'
     WHERE sent.account_id = $1 AND sent.kind = 'invitation_sent'
       AND NOT EXISTS (SELECT 1 FROM ${q(s)}.engagement_events acc
                        WHERE acc.account_id = $1 AND acc.kind = 'invitation_accepted' AND acc.contact_id = sent.contact_id)
       AND COALESCE(sent.data->>'provider_id', i.value) IS NOT NULL
     GROUP BY 1`,
};

/** `webhook_events`: stored first, applied after; a repeat only counts. */
export const deliverySql = {
  /** A batch of deliveries ($1: rows without repeated keys); `inserted` false = seen before. */
  storeMany: (s: string) => `
    INSERT INTO ${q(s)}.webhook_events (source, event, dedupe_key, account_id, status, error, processed_at, payload)
    SELECT x.source, x.event, x.dedupe_key, x.account_id, x.status, x.error, CASE WHEN x.status = 'failed' THEN NULL ELSE now() END, x.payload::jsonb
      FROM jsonb_to_recordset($1::jsonb) AS x(source text, event text, dedupe_key text, account_id text, status text, error text, payload text)
    ON CONFLICT (dedupe_key) DO UPDATE SET deliveries = webhook_events.deliveries + 1, last_received_at = now()
    RETURNING id, dedupe_key, (xmax = 0) AS inserted`,

  /** Repeats of a key within one batch count as deliveries too. */
  countRepeats: (s: string) => `
    UPDATE ${q(s)}.webhook_events w SET deliveries = w.deliveries + r.n, last_received_at = now()
      FROM (SELECT k, count(*)::int AS n FROM unnest($1::text[]) AS k GROUP BY k) r
     WHERE w.dedupe_key = r.k`,

  markFailed: (s: string) => `UPDATE ${q(s)}.webhook_events SET status = 'failed', error = $2, processed_at = NULL WHERE id = $1`,

  markApplied: (s: string) => `UPDATE ${q(s)}.webhook_events SET status = $2, error = NULL, processed_at = now() WHERE id = $1`,

  /** Failed rows, and rows left `received` by a crash mid-apply (older than a minute: not in flight). */
  replayable: (s: string) => `
    SELECT id, payload, received_at FROM ${q(s)}.webhook_events
     WHERE (status = 'failed' OR (status = 'received' AND received_at < now() - interval '1 minute'))
       AND received_at >= $1 AND id > $2
     ORDER BY id LIMIT $3`,

  lockForReplay: (s: string) => `
    SELECT id FROM ${q(s)}.webhook_events WHERE id = $1 AND status IN ('failed', 'received') FOR UPDATE SKIP LOCKED`,
};
