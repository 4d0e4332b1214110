import type { SubscriptionEvent } from './events';
import type { Subscription } from './registry';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signBody } from './signature';

/**
 * Signed HTTP POSTs to subscribers (DESIGN §4). One body per delivery, the same bytes for every
 * subscription, each signed with that subscription's secret. 2xx is success; anything else, a timeout
 * or a network error is a failure the caller retries with the same delivery id.
 */
export const DELIVERY_TIMEOUT_MS = 30_000;

const VERSION = (require('../../package.json') as { version: string }).version;

export interface Delivery {
  event: SubscriptionEvent;
  deliveryId: string;
  /** The JSON body, serialized once: the signature covers these exact bytes. */
  body: string;
  /** Aborted when the job expires or the worker stops (pg-boss `job.signal`). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface DeliveryOutcome {
  subscriptionId: string;
  ok: boolean;
  status?: number;
  error?: string;
}

export async function postSigned(target: Pick<Subscription, 'id' | 'url' | 'secret'>, delivery: Delivery): Promise<DeliveryOutcome> {
  const timeoutMs = delivery.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = delivery.signal ? AbortSignal.any([delivery.signal, timeout]) : timeout;
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      body: delivery.body,
      signal,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': `sequencer-runtime/${VERSION}`,
        [SIGNATURE_HEADER]: signBody(target.secret, delivery.body),
        [DELIVERY_HEADER]: delivery.deliveryId,
        [EVENT_HEADER]: delivery.event,
      },
    });
    // Read the answer so the connection returns to the pool; keep a little of it for the error.
    const text = await response.text().catch(() => '');
    if (response.ok) return { subscriptionId: target.id, ok: true, status: response.status };
    return { subscriptionId: target.id, ok: false, status: response.status, error: `HTTP ${response.status} from ${target.url}${text ? `: ${text.slice(0, 200)}` : ''}` };
  } catch (error) {
    return { subscriptionId: target.id, ok: false, error: describeFailure(error, target.url, timeout.aborted, timeoutMs) };
  }
}

function describeFailure(error: unknown, url: string, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer from ${url} within ${timeoutMs / 1000} s`;
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'AbortError') return `delivery to ${url} aborted (the worker is stopping or the job expired)`;
  return `cannot reach ${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`;
}

/**
 * POSTs one delivery to each target not in `alreadyDelivered` (those that accepted an earlier attempt
 * of the same delivery), in parallel. `delivered` lists every subscription that has it now.
 */
export async function fanOut(
  targets: Pick<Subscription, 'id' | 'url' | 'secret'>[],
  delivery: Delivery,
  alreadyDelivered: readonly string[] = [],
): Promise<{ outcomes: DeliveryOutcome[]; delivered: string[]; failures: DeliveryOutcome[] }> {
  const pending = targets.filter((t) => !alreadyDelivered.includes(t.id));
  const outcomes = await Promise.all(pending.map((t) => postSigned(t, delivery)));
  const delivered = [...alreadyDelivered.filter((id) => targets.some((t) => t.id === id)), ...outcomes.filter((o) => o.ok).map((o) => o.subscriptionId)];
  return { outcomes, delivered, failures: outcomes.filter((o) => !o.ok) };
}
