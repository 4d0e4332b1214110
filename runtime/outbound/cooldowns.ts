import type { Cooldown } from '../limits/cooldown';
import { errorName, type UnipileError } from '../unipile/errors';

const HOUR = 3_600_000;

/**
 * When a send refused with a quota error may be tried again: at `Retry-After` when UniPile gives
 * one, else an hour after a 429 and a day after a limit, credit or "cannot resend yet" error.
 * Undefined for every other error class.
 */
export function quotaRetryAt(error: UnipileError, now: Date = new Date()): Date | undefined {
  if (error.class !== 'quota') return undefined;
  const tooMany = error.status === 429 || errorName(error.type) === 'too_many_requests';
  return error.retryAfter ?? new Date(now.getTime() + (tooMany ? HOUR : 24 * HOUR));
}

/**
 * A quota error pauses the action on the account until `quotaRetryAt`. `cannot_resend_yet`
 * concerns one recipient (a recently withdrawn invitation), not the account, so it records none.
 */
export function quotaCooldown(error: UnipileError, accountId: string, action: string, now: Date = new Date()): Cooldown | undefined {
  const until = quotaRetryAt(error, now);
  const name = errorName(error.type);
  if (!until || name.startsWith('cannot_resend')) return undefined;
  return { accountId, action, until, reason: name || `http_${error.status}` };
}
