import { q } from '../db/identifier';

/** Outbound messages that may have reached the contact (a send in flight or of unknown outcome counts). */
const WENT_OUT = `m.direction = 'out' AND m.status IN ('sending', 'sent', 'unknown', 'dry_run')`;
const MESSAGE_AT = 'COALESCE(m.sent_at, m.created_at)';

/** An event as the conditions read it: of its `data`, only the clicked `url` (the rest can be large and is never asked). */
const eventJson = (ev: string) => `json_build_object('id', ${ev}.id, 'kind', ${ev}.kind, 'at', ${ev}.occurred_at, 'channel', ${ev}.channel,
  'conversationId', ${ev}.conversation_id, 'contactId', ${ev}.contact_id, 'accountId', ${ev}.account_id, 'url', ${ev}.data->>'url')`;

export const conditionSql = {
  /**
   * What the conditions of a batch ask, for every subject, in one statement: $1 contact ids and $2
   * enrollment ids (one pair per subject, either may be null), $3 the engagement kinds in play, and
   * whether these are needed at all: $4 colleagues' replies (company scope), $5 identity kinds,
   * $6 the enrollment's sent messages, $7 the latest reply, $8 the last touch. A fact no condition
   * reads is not computed (a contact with many messages makes each of them cost). The facts are
   * built as json, not jsonb: they are read once, and json is much cheaper to build.
   */
  facts: (s: string) => `
    WITH subject AS (
      SELECT i.idx, i.contact_id AS given_contact_id, i.enrollment_id AS given_enrollment_id,
             e.id AS enrollment_id, to_jsonb(e.*) AS enrollment, c.id AS contact_id, c.company_domain, to_jsonb(c.*) AS contact
        FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS i(contact_id, enrollment_id, idx)
        LEFT JOIN ${q(s)}.enrollments e ON e.id = i.enrollment_id
        LEFT JOIN ${q(s)}.contacts c ON c.id = COALESCE(i.contact_id, e.contact_id)
    )
    SELECT sj.idx, sj.given_contact_id, sj.given_enrollment_id, sj.enrollment, sj.contact,
           CASE WHEN $5::boolean THEN ARRAY(SELECT DISTINCT ci.kind FROM ${q(s)}.contact_identities ci WHERE ci.contact_id = sj.contact_id)
                ELSE '{}'::text[] END AS identity_kinds,
           COALESCE((SELECT json_agg(${eventJson('ev')} ORDER BY ev.occurred_at)
                       FROM ${q(s)}.engagement_events ev
                      WHERE ev.contact_id = sj.contact_id AND ev.kind = ANY($3::text[])), '[]'::json) AS events,
           CASE WHEN $4::boolean AND sj.company_domain IS NOT NULL THEN
             COALESCE((SELECT json_agg(${eventJson('ev')} ORDER BY ev.occurred_at)
                         FROM ${q(s)}.contacts colleague
                         JOIN ${q(s)}.engagement_events ev ON ev.contact_id = colleague.id AND ev.kind = 'reply'
                        WHERE colleague.company_domain = sj.company_domain AND colleague.id <> sj.contact_id), '[]'::json)
           ELSE '[]'::json END AS colleague_replies,
           CASE WHEN $6::boolean THEN
             COALESCE((SELECT json_agg(json_build_object('messageId', m.id, 'step', m.step, 'conversationId', m.conversation_id, 'at', ${MESSAGE_AT})
                                ORDER BY ${MESSAGE_AT})
                         FROM ${q(s)}.messages m WHERE m.enrollment_id = sj.enrollment_id AND ${WENT_OUT}), '[]'::json)
           ELSE '[]'::json END AS sent,
           CASE WHEN $7::boolean THEN
             (SELECT json_build_object('messageId', m.id, 'at', ${MESSAGE_AT}, 'channel', m.channel, 'classification', m.classification)
                FROM ${q(s)}.messages m WHERE m.contact_id = sj.contact_id AND m.direction = 'in'
               ORDER BY ${MESSAGE_AT} DESC LIMIT 1) END AS latest_reply,
           CASE WHEN $8::boolean THEN
             (SELECT json_build_object('messageId', m.id, 'at', ${MESSAGE_AT}, 'channel', m.channel)
                FROM ${q(s)}.messages m WHERE m.contact_id = sj.contact_id AND ${WENT_OUT}
               ORDER BY ${MESSAGE_AT} DESC LIMIT 1) END AS last_touch
      FROM subject sj
     ORDER BY sj.idx`,
};
