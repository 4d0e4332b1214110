import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SubscriptionEvent } from './events';
import type { Subscription } from './registry';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signBody } from './signature';

/**
 * Signed HTTP POSTs to subscribers (DESIGN §4). One body per delivery, the same bytes for every
 * subscription, each signed with that subscription's secret. 2xx is success; anything else, a timeout
 * or a network error is a failure the caller retries with the same delivery id.
 */
export const DELIVERY_TIMEOUT_MS = 30_000;

const USER_AGENT = `sequencer-runtime/${(require('../../package.json') as { version: string }).version}`;

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
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(delivery.body)),
    'User-Agent': USER_AGENT,
    [SIGNATURE_HEADER]: signBody(target.secret, delivery.body),
    [DELIVERY_HEADER]: delivery.deliveryId,
    [EVENT_HEADER]: delivery.event,
  };
  try {
    const { status, text } = await post(target.url, delivery.body, headers, delivery.signal, timeoutMs);
    if (status >= 200 && status < 300) return { subscriptionId: target.id, ok: true, status };
    return { subscriptionId: target.id, ok: false, status, error: `HTTP ${status} from ${target.url}${text ? `: ${text}` : ''}` };
  } catch (error) {
    return { subscriptionId: target.id, ok: false, error: describeFailure(error, target.url, timeoutMs) };
  }
}

/**
 * Keep-alive connections per endpoint, at most MAX_CONNECTIONS_PER_ENDPOINT at once: a burst of due
 * steps reuses warm connections instead of opening one per POST, and queues in the agent (inside
 * each POST's timeout) instead of opening hundreds of connections to one n8n instance.
 */
const MAX_CONNECTIONS_PER_ENDPOINT = 64;
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: MAX_CONNECTIONS_PER_ENDPOINT }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: MAX_CONNECTIONS_PER_ENDPOINT }),
};
/** How much of an error answer is kept for the subscription's last_error. */
const ERROR_TEXT_CHARS = 200;

class DeliveryTimeout extends Error {}
class DeliveryAborted extends Error {}

/**
 * One POST with node:http(s) rather than global fetch: a burst of thousands of due steps is bound by
 * the runtime's CPU, and fetch (with a composed AbortSignal per request) costs about twice as much
 * per request. The whole exchange — waiting for a connection included — is bounded by `timeoutMs`,
 * and `signal` (the job's) aborts it. The answer is read to the end so the connection is reused.
 */
function post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const agent = agents[target.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
  if (signal?.aborted) return Promise.reject(new DeliveryAborted());
  return new Promise((resolve, reject) => {
    // Why we ended the exchange ourselves, if we did: the socket errors that follow say less.
    let stoppedBy: Error | undefined;
    const fail = (error: Error) => reject(stoppedBy ?? error);
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method: 'POST', agent, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < ERROR_TEXT_CHARS) text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: text.slice(0, ERROR_TEXT_CHARS) }));
      response.on('error', fail);
    });
    const stop = (reason: Error) => {
      stoppedBy = reason;
      request.destroy(reason);
    };
    const timer = setTimeout(() => stop(new DeliveryTimeout()), timeoutMs);
    const abort = () => stop(new DeliveryAborted());
    signal?.addEventListener('abort', abort, { once: true });
    request.on('close', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    });
    request.on('error', fail);
    request.end(body);
  });
}

function describeFailure(error: unknown, url: string, timeoutMs: number): string {
  if (error instanceof DeliveryTimeout) return `no answer from ${url} within ${timeoutMs / 1000} s`;
  if (error instanceof DeliveryAborted) return `delivery to ${url} aborted (the worker is stopping or the job expired)`;
  const e = error as Error & { code?: string };
  return `cannot reach ${url}: ${e.code ?? e.message}`;
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
