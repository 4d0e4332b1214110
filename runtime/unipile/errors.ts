/**
 * UniPile's error envelope `{ status, type: "errors/<name>", title, detail }` turned into one error
 * class with a `class` that says what to do about it (reference unipile-api-v1.md §7, docs/operations.md).
 */
export const UNIPILE_ERROR_CLASSES = [
  'reconnect_needed',
  'recipient_permanent',
  'quota',
  'transient',
  'invalid_request',
  'unknown_outcome',
] as const;
export type UnipileErrorClass = (typeof UNIPILE_ERROR_CLASSES)[number];

/** 422 types that say this recipient cannot be reached by this action; retrying will not help. */
const RECIPIENT_PERMANENT = new Set([
  'invalid_recipient',
  'blocked_recipient',
  'user_unreachable',
  'no_connection_with_recipient',
  'not_allowed_inmail',
  'cannot_invite_attendee',
  'already_invited_recently',
  'already_connected',
  'recipient_rejected',
]);

/** Types that mean "not now": a provider or credit limit. */
const QUOTA = new Set(['limit_exceeded', 'cannot_resend_yet', 'cannot_resend_within_24hrs', 'insufficient_credits', 'too_many_requests']);


/** `errors/limit_exceeded` → `limit_exceeded`. */
export function errorName(type: string | undefined): string {
  return (type ?? '').replace(/^errors\//, '');
}

export function classifyUnipileError(status: number, type: string | undefined): UnipileErrorClass {
  const name = errorName(type);
  if (status === 401 || (status === 403 && name === 'account_restricted')) return 'reconnect_needed';
  if (RECIPIENT_PERMANENT.has(name)) return 'recipient_permanent';
  if (status === 429 || QUOTA.has(name)) return 'quota';
  // 501 feature_not_implemented is a definite "no"; every other 5xx may pass on retry.
  if (status >= 500 && status !== 501) return 'transient';
  return 'invalid_request';
}

export interface UnipileErrorInit {
  class: UnipileErrorClass;
  operation: string;
  status?: number;
  type?: string;
  title?: string;
  detail?: string;
  retryAfter?: Date;
  /** False only when the request provably never left this process (connection refused, DNS failure). */
  reachedProvider?: boolean;
  cause?: unknown;
}

export class UnipileError extends Error {
  readonly class: UnipileErrorClass;
  readonly operation: string;
  readonly status?: number;
  readonly type?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly retryAfter?: Date;
  readonly reachedProvider: boolean;

  constructor(init: UnipileErrorInit) {
    const what = [init.status, init.type, init.title].filter((v) => v !== undefined && v !== '').join(' ');
    super(`UniPile ${init.operation} failed (${init.class}${what ? `: ${what}` : ''})${init.detail ? `: ${init.detail}` : ''}`, { cause: init.cause });
    this.name = 'UnipileError';
    this.class = init.class;
    this.operation = init.operation;
    this.status = init.status;
    this.type = init.type;
    this.title = init.title;
    this.detail = init.detail;
    this.retryAfter = init.retryAfter;
    this.reachedProvider = init.reachedProvider ?? true;
  }

  /** What is stored in `messages.error` and shown in node output. */
  toJSON(): Record<string, unknown> {
    return {
      class: this.class,
      operation: this.operation,
      status: this.status ?? null,
      type: this.type ?? null,
      title: this.title ?? null,
      detail: this.detail ?? null,
      retryAfter: this.retryAfter?.toISOString() ?? null,
      message: this.message,
    };
  }
}

export function isUnipileError(error: unknown): error is UnipileError {
  return error instanceof UnipileError;
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: Date = new Date()): Date | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return new Date(now.getTime() + Math.round(Number(trimmed) * 1000));
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : new Date(at);
}

/** How to fix it, for node error descriptions and CLI output. */
export function remedyFor(errorClass: UnipileErrorClass): string {
  switch (errorClass) {
    case 'reconnect_needed':
      return 'Reconnect the account in UniPile (hosted auth "reconnect" link) or check the API key, then retry.';
    case 'recipient_permanent':
      return 'This recipient cannot be reached with this action (blocked, unreachable, not connected or already invited). Skip the contact or use another channel.';
    case 'quota':
      return 'A provider limit was reached. The account is cooled down for this action; retry after the cooldown (see retryAfter).';
    case 'transient':
      return 'UniPile or the provider is temporarily unavailable. Retry later.';
    case 'unknown_outcome':
      return 'The request may have reached UniPile: it was NOT retried. Check the chat, sent invitations or mailbox before sending again with a new idempotency key.';
    case 'invalid_request':
      return 'UniPile refused the request as invalid. Check the account, recipient and message fields.';
  }
}
