/**
 * Inbox ingest (issue 4): read tracking for unread counts, and the indexes the ingest and the
 * reconciler look up on every delivery. `s` is the quoted, validated schema name.
 */
export const inboxIngest = (s: string) => `
-- Unread = inbound messages after the later of the last outbound message and the last read.
ALTER TABLE ${s}.conversations ADD COLUMN last_read_at timestamptz;

-- Recorded sends not yet confirmed by UniPile (no provider id): the echo of a send is matched to them.
CREATE INDEX messages_unconfirmed_out_idx ON ${s}.messages (account_id, provider_chat_id)
  WHERE direction = 'out' AND provider_message_id IS NULL;

-- The reconciler's pending invitations per account.
CREATE INDEX engagement_events_account_kind_idx ON ${s}.engagement_events (account_id, kind, occurred_at DESC);
`;
