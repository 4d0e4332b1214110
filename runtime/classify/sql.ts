import { q } from '../db/identifier';

/** Statements of the classification write-back (messages, conversations, engagement, enrollments). */
export const classifySql = {
  /**
   * The stored message of each entry: by our id, or by UniPile's id (indexed with the account; a
   * provider id alone is looked up across accounts). The contact comes from the message or its conversation.
   */
  resolveMessages: (s: string) => `
    SELECT x.idx, m.id, m.account_id, m.conversation_id, COALESCE(m.contact_id, c.contact_id) AS contact_id, m.channel, m.sent_at
      FROM jsonb_to_recordset($1::jsonb) AS x(idx int, message_id uuid, provider_message_id text, account_id text)
      CROSS JOIN LATERAL (
        SELECT m.* FROM ${q(s)}.messages m
         WHERE (x.message_id IS NOT NULL AND m.id = x.message_id)
            OR (x.message_id IS NULL AND m.provider_message_id = x.provider_message_id AND (x.account_id IS NULL OR m.account_id = x.account_id))
         ORDER BY m.created_at DESC
         LIMIT 1
      ) m
      LEFT JOIN ${q(s)}.conversations c ON c.id = m.conversation_id`,

  conversations: (s: string) => `
    SELECT id, account_id, contact_id, channel FROM ${q(s)}.conversations WHERE id = ANY($1::uuid[])`,

  storeOnMessages: (s: string) => `
    UPDATE ${q(s)}.messages m SET classification = x.classification, updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, classification jsonb)
     WHERE m.id = x.id
    RETURNING m.id`,

  /** The conversation shows the classification of its latest classified message; an older one never overwrites it. */
  storeOnConversations: (s: string) => `
    UPDATE ${q(s)}.conversations c SET classification = x.classification, updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, classification jsonb, message_at timestamptz)
     WHERE c.id = x.id
       AND (c.classification->>'messageAt' IS NULL OR (c.classification->>'messageAt')::timestamptz <= x.message_at)
    RETURNING c.id`,

  recordUnsubscribes: (s: string) => `
    INSERT INTO ${q(s)}.engagement_events (contact_id, account_id, conversation_id, message_id, channel, kind, occurred_at, source_key, data)
    SELECT x.contact_id, x.account_id, x.conversation_id, x.message_id, x.channel, 'unsubscribed', x.occurred_at, x.source_key, x.data
      FROM jsonb_to_recordset($1::jsonb) AS x(contact_id uuid, account_id text, conversation_id uuid, message_id uuid, channel text,
                                              occurred_at timestamptz, source_key text, data jsonb)
    ON CONFLICT (source_key) DO NOTHING`,

  liveEnrollmentsOf: (s: string) => `
    SELECT id, contact_id FROM ${q(s)}.enrollments WHERE contact_id = ANY($1::uuid[]) AND status IN ('active', 'paused')`,

  /**
   * What an out-of-office notice may pause, locked: the contacts' active enrollments, and those
   * already paused for an out-of-office (reported, not paused twice), with what their calendar needs.
   */
  awayCandidates: (s: string) => `
    SELECT e.id, e.sequence_id, e.contact_id, e.status, e.next_step, e.current_step, e.paused_until, s.settings, c.timezone AS contact_timezone
      FROM ${q(s)}.enrollments e
      JOIN ${q(s)}.sequences s ON s.id = e.sequence_id
      JOIN ${q(s)}.contacts c ON c.id = e.contact_id
     WHERE e.contact_id = ANY($1::uuid[])
       AND (e.status = 'active' OR (e.status = 'paused' AND e.pause_reason = 'out_of_office'))
     ORDER BY e.id
       FOR UPDATE OF e`,
};
