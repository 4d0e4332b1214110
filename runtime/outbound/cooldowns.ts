import type { Cooldown } from '../limits/cooldown';
import { errorName, type UnipileError } from '../unipile/errors';

const HOUR = 3_600_000;

/**
 * A quota error pauses the action on the account: until `Retry-After` when UniPile gives one,
 * else an hour after a 429 and a day after a limit or credit error. `cannot_resend_yet` concerns
 * one recipient (a recently withdrawn invitation), not the account, so it records none.
 */
export function quotaCooldown(error: UnipileError, accountId: string, action: string, now: Date = new Date()): Cooldown | undefined {
  if (error.class !== 'quota') return undefined;
  const name = errorName(error.type);
  if (name.startsWith('cannot_resend')) return undefined;
  const tooMany = error.status === 429 || name === 'too_many_requests';
  return {
    accountId,
    action,
    until: error.retryAfter ?? new Date(now.getTime() + (tooMany ? HOUR : 24 * HOUR)),
    reason: name || `http_${error.status}`,
  };
}
