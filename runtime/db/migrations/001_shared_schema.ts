/** The shared schema of DESIGN §3. `s` is the quoted, validated schema name. */
export const sharedSchema = (s: string) => `
CREATE TABLE ${s}.accounts (
  id                text PRIMARY KEY,
  provider          text NOT NULL DEFAULT 'UNKNOWN',
  name              text,
  own_provider_id   text,
  timezone          text,
  working_hours     jsonb,
  limits            jsonb NOT NULL DEFAULT '{}'::jsonb,
  status            text NOT NULL DEFAULT 'OK',
  status_changed_at timestamptz,
  last_synced_at    timestamptz,
  raw               jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ${s}.contacts (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  first_name            text,
  last_name             text,
  full_name             text,
  company               text,
  company_domain        text,
  title                 text,
  timezone              text,
  attributes            jsonb NOT NULL DEFAULT '{}'::jsonb,
  do_not_contact        boolean NOT NULL DEFAULT false,
  do_not_contact_reason text,
  do_not_contact_at     timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_company_domain_idx ON ${s}.contacts (company_domain) WHERE company_domain IS NOT NULL;

CREATE TABLE ${s}.contact_identities (
  id         bigserial PRIMARY KEY,
  contact_id uuid NOT NULL REFERENCES ${s}.contacts (id) ON DELETE CASCADE,
  kind       text NOT NULL,
  value      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, value)
);
CREATE INDEX contact_identities_contact_idx ON ${s}.contact_identities (contact_id);

CREATE TABLE ${s}.conversations (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id       text NOT NULL REFERENCES ${s}.accounts (id),
  provider_chat_id text NOT NULL,
  contact_id       uuid REFERENCES ${s}.contacts (id) ON DELETE SET NULL,
  channel          text NOT NULL,
  subject          text,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'snoozed', 'closed')),
  unread_count     integer NOT NULL DEFAULT 0,
  last_message_at  timestamptz,
  last_inbound_at  timestamptz,
  last_outbound_at timestamptz,
  assigned_to      text,
  labels           text[] NOT NULL DEFAULT '{}',
  classification   jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, provider_chat_id)
);
CREATE INDEX conversations_contact_idx ON ${s}.conversations (contact_id);
CREATE INDEX conversations_last_message_idx ON ${s}.conversations (last_message_at DESC);

CREATE TABLE ${s}.messages (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  account_id          text NOT NULL REFERENCES ${s}.accounts (id),
  conversation_id     uuid REFERENCES ${s}.conversations (id) ON DELETE SET NULL,
  contact_id          uuid REFERENCES ${s}.contacts (id) ON DELETE SET NULL,
  provider_message_id text,
  provider_chat_id    text,
  channel             text,
  action              text,
  direction           text NOT NULL CHECK (direction IN ('in', 'out')),
  text                text,
  html                text,
  subject             text,
  attachments         jsonb NOT NULL DEFAULT '[]'::jsonb,
  sent_at             timestamptz,
  status              text NOT NULL CHECK (status IN ('received', 'queued', 'sending', 'sent', 'failed', 'unknown', 'dry_run')),
  error               jsonb,
  idempotency_key     text UNIQUE,
  enrollment_id       uuid,
  step                text,
  tracking_id         text,
  classification      jsonb,
  raw                 jsonb,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, provider_message_id)
);
CREATE INDEX messages_conversation_idx ON ${s}.messages (conversation_id, sent_at DESC);
CREATE INDEX messages_contact_idx ON ${s}.messages (contact_id, sent_at DESC);
CREATE INDEX messages_enrollment_idx ON ${s}.messages (enrollment_id) WHERE enrollment_id IS NOT NULL;
CREATE INDEX messages_tracking_idx ON ${s}.messages (tracking_id) WHERE tracking_id IS NOT NULL;

CREATE TABLE ${s}.engagement_events (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id      uuid REFERENCES ${s}.contacts (id) ON DELETE CASCADE,
  account_id      text,
  conversation_id uuid,
  message_id      uuid,
  enrollment_id   uuid,
  channel         text,
  kind            text NOT NULL CHECK (kind IN ('reply', 'invitation_sent', 'invitation_accepted', 'email_opened',
                                                'link_clicked', 'bounced', 'unsubscribed')),
  occurred_at     timestamptz NOT NULL,
  source_key      text NOT NULL UNIQUE,
  data            jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX engagement_events_contact_idx ON ${s}.engagement_events (contact_id, kind, occurred_at DESC);

CREATE TABLE ${s}.webhook_events (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  received_at      timestamptz NOT NULL DEFAULT now(),
  last_received_at timestamptz NOT NULL DEFAULT now(),
  deliveries       integer NOT NULL DEFAULT 1,
  source           text NOT NULL,
  event            text,
  dedupe_key       text NOT NULL UNIQUE,
  account_id       text,
  status           text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
  error            text,
  processed_at     timestamptz,
  payload          jsonb NOT NULL
);
CREATE INDEX webhook_events_failed_idx ON ${s}.webhook_events (received_at) WHERE status IN ('failed', 'received');

CREATE TABLE ${s}.sequences (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  key        text NOT NULL UNIQUE,
  name       text NOT NULL,
  status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'archived')),
  settings   jsonb NOT NULL DEFAULT '{}'::jsonb,
  version    integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ${s}.enrollments (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sequence_id      uuid NOT NULL REFERENCES ${s}.sequences (id),
  contact_id       uuid NOT NULL REFERENCES ${s}.contacts (id),
  account_id       text REFERENCES ${s}.accounts (id),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed', 'stopped', 'failed')),
  current_step     text,
  next_step        text,
  next_run_at      timestamptz,
  wake_on          text[] NOT NULL DEFAULT '{}',
  schedule_version integer NOT NULL DEFAULT 0,
  vars             jsonb NOT NULL DEFAULT '{}'::jsonb,
  stop_reason      text,
  pause_reason     text,
  paused_until     timestamptz,
  enrolled_at      timestamptz NOT NULL DEFAULT now(),
  last_step_at     timestamptz,
  finished_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX enrollments_one_live_per_contact ON ${s}.enrollments (sequence_id, contact_id) WHERE status IN ('active', 'paused');
CREATE INDEX enrollments_contact_live_idx ON ${s}.enrollments (contact_id) WHERE status IN ('active', 'paused');
CREATE INDEX enrollments_account_live_idx ON ${s}.enrollments (account_id) WHERE status IN ('active', 'paused');
CREATE INDEX enrollments_sequence_status_idx ON ${s}.enrollments (sequence_id, status);

CREATE TABLE ${s}.enrollment_events (
  id            bigserial PRIMARY KEY,
  enrollment_id uuid NOT NULL REFERENCES ${s}.enrollments (id) ON DELETE CASCADE,
  at            timestamptz NOT NULL DEFAULT now(),
  kind          text NOT NULL,
  step          text,
  reason        text,
  data          jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX enrollment_events_enrollment_idx ON ${s}.enrollment_events (enrollment_id, at);

CREATE TABLE ${s}.rate_ledger (
  id          bigserial PRIMARY KEY,
  account_id  text NOT NULL,
  action      text NOT NULL,
  reserved_at timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz,
  reference   text,
  data        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX rate_ledger_window_idx ON ${s}.rate_ledger (account_id, action, reserved_at DESC) WHERE released_at IS NULL;

CREATE TABLE ${s}.rate_state (
  account_id      text NOT NULL,
  action          text NOT NULL,
  last_action_at  timestamptz,
  next_allowed_at timestamptz,
  cooldown_until  timestamptz,
  cooldown_reason text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, action)
);

CREATE TABLE ${s}.subscriptions (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url                  text NOT NULL UNIQUE,
  events               text[] NOT NULL,
  sequence_key         text,
  secret               text NOT NULL,
  description          text,
  active               boolean NOT NULL DEFAULT true,
  last_success_at      timestamptz,
  last_failure_at      timestamptz,
  last_error           text,
  consecutive_failures integer NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_sequence_idx ON ${s}.subscriptions (sequence_key) WHERE sequence_key IS NOT NULL;
`;
