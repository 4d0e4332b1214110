import type { z } from 'zod/v4';
import type { Metrics } from '../metrics';
import { unipileBaseUrl } from './base-url';
import { UnipileError, classifyUnipileError, parseRetryAfter } from './errors';

/**
 * One HTTP exchange with UniPile over the global `fetch`, and the retry rule:
 *
 * - `read` (GET): retried on transient failures and 429, up to `attempts`, waiting `Retry-After`
 *   when given (unless it exceeds `maxDelayMs`), otherwise an exponential backoff.
 * - `send` (a POST that sends, invites, starts a chat or emails): never retried. Once the request may
 *   have reached UniPile — a timeout, a network error after connecting, a 5xx (but 501) — the outcome is
 *   `unknown_outcome`. Only a connection that was never established (DNS failure, connection
 *   refused, unreachable network, connect timeout, TLS certificate refused) is a definite failure
 *   (`transient`, `reachedProvider: false`).
 * - `write` (webhooks, cancelling an invitation): not retried; errors classified as usual.
 */
export type CallKind = 'read' | 'write' | 'send';
export type QueryValue = string | number | boolean | null | undefined;

export interface UnipileCall<T> {
  /** Metric label and error context, e.g. `chats.start`. */
  operation: string;
  kind: CallKind;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  json?: unknown;
  form?: FormData;
  schema: z.ZodType<T>;
}

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface UnipileClientOptions {
  /** A DSN (`api1.unipile.com:13111`) or a base URL. */
  dsn: string;
  apiKey: string;
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Injected in tests so that backoff does not wait for real. */
  sleep?: (ms: number) => Promise<void>;
  metrics?: Pick<Metrics, 'unipileCalls'>;
}

/** Error codes that prove the request never left this process. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const isNeverSentCode = (code: string) => NEVER_SENT_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('CERT_');

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class UnipileTransport {
  readonly baseUrl: URL;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly metrics?: Pick<Metrics, 'unipileCalls'>;

  constructor(options: UnipileClientOptions) {
    if (!options.apiKey) throw new Error('UniPile API key is empty: create one in the UniPile dashboard (Access tokens)');
    this.baseUrl = unipileBaseUrl(options.dsn);
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attempts = Math.max(1, options.retry?.attempts ?? 3);
    this.baseDelayMs = options.retry?.baseDelayMs ?? 500;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
    this.sleep = options.sleep ?? defaultSleep;
    this.metrics = options.metrics;
  }

  async call<T>(call: UnipileCall<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(call);
      } catch (error) {
        const delay = call.kind === 'read' && attempt < this.attempts ? this.retryDelay(error, attempt) : undefined;
        if (delay === undefined) throw error;
        await this.sleep(delay);
      }
    }
  }

  /** How long to wait before the next attempt of a read, or undefined when it must not be retried. */
  private retryDelay(error: unknown, attempt: number): number | undefined {
    if (!(error instanceof UnipileError)) return undefined;
    const retryable = error.class === 'transient' || error.status === 429;
    if (!retryable) return undefined;
    if (error.retryAfter) {
      const wait = Math.max(0, error.retryAfter.getTime() - Date.now());
      return wait <= this.maxDelayMs ? wait : undefined;
    }
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
  }

  private urlOf(path: string, query: Record<string, QueryValue> = {}): URL {
    const url = new URL(this.baseUrl.href);
    url.pathname = `${this.baseUrl.pathname}${path}`;
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async once<T>(call: UnipileCall<T>): Promise<T> {
    const headers: Record<string, string> = { 'X-API-KEY': this.apiKey, accept: 'application/json' };
    let body: string | FormData | undefined;
    if (call.form) body = call.form; // fetch sets multipart/form-data with its boundary
    else if (call.json !== undefined) {
      body = JSON.stringify(call.json);
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.urlOf(call.path, call.query), {
        method: call.method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const failure = this.networkFailure(call, error);
      this.count(call, failure.detail === 'timeout' ? 'timeout' : 'network');
      throw failure;
    }
    this.count(call, String(response.status));
    const parsed = parseJson(text);
    if (!response.ok) throw this.httpFailure(call, response, parsed);
    const result = call.schema.safeParse(parsed ?? {});
    if (!result.success) {
      // A send went through whatever its body says; its ids are then reconciled from webhooks.
      if (call.kind === 'send') return call.schema.parse({});
      throw new UnipileError({
        class: 'invalid_request',
        operation: call.operation,
        status: response.status,
        type: 'sequencer/unexpected_response',
        title: 'Unexpected response body',
        detail: result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      });
    }
    return result.data;
  }

  private httpFailure(call: UnipileCall<unknown>, response: Response, body: unknown): UnipileError {
    const envelope = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const type = str(envelope.type);
    const errorClass = classifyUnipileError(response.status, type);
    return new UnipileError({
      class: call.kind === 'send' && errorClass === 'transient' ? 'unknown_outcome' : errorClass,
      operation: call.operation,
      status: response.status,
      type,
      title: str(envelope.title) ?? response.statusText,
      detail: str(envelope.detail),
      retryAfter: parseRetryAfter(response.headers.get('retry-after')),
    });
  }

  private networkFailure(call: UnipileCall<unknown>, error: unknown): UnipileError {
    // fetch rejects with a DOMException (not an Error in every realm): go by name
    const name = (error as { name?: unknown } | null)?.name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    const neverSent = !timedOut && errorCodes(error).some(isNeverSentCode);
    return new UnipileError({
      class: call.kind === 'send' && !neverSent ? 'unknown_outcome' : 'transient',
      operation: call.operation,
      type: timedOut ? 'sequencer/timeout' : 'sequencer/network_error',
      title: timedOut ? `No response within ${this.timeoutMs} ms` : 'Network error',
      detail: timedOut ? 'timeout' : [messageOf(error), messageOf((error as { cause?: unknown } | null)?.cause), ...errorCodes(error)].filter(Boolean).join(' '),
      reachedProvider: !neverSent,
      cause: error,
    });
  }

  private count(call: UnipileCall<unknown>, status: string): void {
    this.metrics?.unipileCalls.inc({ operation: call.operation, status });
  }
}

function messageOf(error: unknown): string {
  return error && typeof error === 'object' && 'message' in error ? String(error.message) : error ? String(error) : '';
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `code`s on the error, its cause, and an AggregateError's members (undici's happy eyeballs). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 3) return;
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return codes;
}
