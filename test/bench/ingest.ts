import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';

/** A realistic LinkedIn `message_received` delivery (reference unipile-api-v1 §12), unique per call. */
export function messageReceived(i: number, accountId: string, ownId: string): string {
  const prospect = `ACoAAProspect${String(i % 1000).padStart(6, '0')}`;
  return JSON.stringify({
    event: 'message_received',
    account_id: accountId,
    account_type: 'LINKEDIN',
    account_info: { type: 'LINKEDIN', feature: 'classic', user_id: ownId },
    webhook_name: 'outreach-messaging',
    chat_id: `chat-${i % 1000}`,
    message_id: `msg-${randomUUID()}`,
    message: 'Thanks for reaching out — happy to chat next week. What times work for you?',
    timestamp: new Date().toISOString(),
    subject: null,
    sender: {
      attendee_id: `att-${i % 1000}`,
      attendee_provider_id: prospect,
      attendee_name: `Prospect ${i % 1000}`,
      attendee_profile_url: `https://www.linkedin.com/in/${prospect}`,
      attendee_specifics: { provider: 'LINKEDIN', member_urn: `urn:li:member:${i % 1000}`, occupation: 'VP Sales', is_company: false, network_distance: 'DISTANCE_1' },
      attendee_public_identifier: null,
    },
    attendees: [{ attendee_id: `att-${i % 1000}`, attendee_provider_id: prospect, attendee_name: `Prospect ${i % 1000}` }],
    attachments: [],
    is_sender: false,
    provider_chat_id: `2-chat-${i % 1000}`,
    provider_message_id: `2-msg-${i}`,
    is_event: 0,
    chat_pinned: 0,
    quoted: null,
    reply_to: null,
    is_forwarded: null,
    chat_content_type: null,
    message_type: 'MESSAGE',
    is_group: false,
    folder: ['INBOX', 'INBOX_LINKEDIN_CLASSIC'],
    event_type: null,
  });
}

export interface IngestFigures {
  perSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
}

/** 64 connections POSTing distinct deliveries for `seconds`. */
export async function loadWebhooks(url: string, secret: string, seconds: number, connections = 64): Promise<IngestFigures> {
  let i = 0;
  const result = await autocannon({
    url: `${url}/webhooks/unipile`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'x-webhook-secret': secret },
        setupRequest: (req) => ({ ...req, body: messageReceived(i++, 'bench-account', 'ACoAAOwnBenchId') }),
      },
    ],
  });
  return {
    perSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
