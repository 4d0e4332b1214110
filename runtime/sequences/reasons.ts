/**
 * The closed list of reason codes on enrollments (`stop_reason`, `pause_reason`) and timeline events
 * (`enrollment_events.reason`). docs/schema.md documents each; add new ones here and there together.
 */
export const REASON_CODES = [
  // a reply or a person's wish
  'replied',
  'replied_other_channel',
  'company_replied',
  'unsubscribed',
  'bounced',
  'do_not_contact',
  'out_of_office',
  'meeting_booked',
  // operators
  'manual',
  'sequence_paused',
  'sequence_archived',
  'pause_expired',
  // accounts and providers
  'account_disconnected',
  'account_reconnected',
  'recipient_unreachable',
  'missing_identity',
  // pacing (steps deferred, not lost)
  'outside_working_hours',
  'limit_hourly',
  'limit_daily',
  'limit_weekly',
  'min_spacing',
  'cooldown',
  // delivery
  'dispatch_failed',
  'send_failed',
  'stale_job',
  'completed',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export function isReasonCode(v: unknown): v is ReasonCode {
  return typeof v === 'string' && (REASON_CODES as readonly string[]).includes(v);
}
