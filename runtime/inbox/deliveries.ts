import { createHash } from 'node:crypto';
import type { Ctx } from '../context';
import { withTransaction, type Queryable } from '../db/pool';
import type { InboxEvent, IngestOutcome } from './events';
import { ingest } from './ingest';
import { readWebhook } from './normalize';
import { deliverySql } from './sql';

/**
 * A webhook delivery's life: stored raw in `webhook_events` (a repeat only bumps `deliveries`), then
 * applied. Store and apply share one transaction with a savepoint around the apply, so a delivery is
 * never lost: if applying throws (a bug, a bad payload), the savepoint is rolled back and the row is
 * kept as `failed` with the error, for `sequencer webhooks replay`.
 */
export type DeliveryStatus = 'processed' | 'duplicate' | 'ignored' | 'failed';

export interface DeliveryResult {
  status: DeliveryStatus;
  /** The `webhook_events` row. */
  id: string;
  error?: string;
  outcome?: IngestOutcome;
}

export interface ReceiveOptions {
  /** The body as received, stored as is (saves re-serializing); defaults to `JSON.stringify(body)`. */
  payload?: string;
  receivedAt?: Date;
}

export interface IncomingDelivery extends ReceiveOptions {
  body: Record<string, unknown>;
}

export function receiveDelivery(ctx: Ctx, body: Record<string, unknown>, options: ReceiveOptions = {}): Promise<DeliveryResult> {
  return receiveDeliveries(ctx, [{ body, ...options }]).then(([result]) => result);
}

interface Prepared {
  key: string;
  status: DeliveryStatus;
  problem: string | null;
  event: InboxEvent | null;
  row: Record<string, unknown>;
}

function prepare({ body, payload, receivedAt = new Date() }: IncomingDelivery): Prepared {
  const tooDeep = nestingDepth(body) > MAX_STORED_DEPTH;
  const delivery = tooDeep ? { ...readWebhook({}, receivedAt), key: `too-deep:${hashOf(payload ?? '')}`, problem: TOO_DEEP } : readWebhook(body, receivedAt);
  const status: DeliveryStatus = delivery.problem ? 'failed' : delivery.inbox!.type === 'ignored' ? 'ignored' : 'processed';
  return {
    key: delivery.key,
    status,
    problem: delivery.problem,
    event: delivery.inbox,
    row: {
      source: delivery.source,
      event: delivery.event,
      dedupe_key: delivery.key,
      account_id: delivery.accountId,
      status,
      error: delivery.problem,
      // Text, not jsonb: jsonb_to_recordset would re-parse it; the INSERT casts it once.
      payload: tooDeep ? JSON.stringify({ unparsed: payload ?? '' }) : storablePayload(body, payload),
    },
  };
}

/**
 * Stores and applies a batch in one transaction: one INSERT for the raw rows, one ingest for the
 * new ones (inside a savepoint). If the batch's apply throws, each delivery is applied on its own
 * instead, so one bad payload fails alone and the rest are processed. Results in input order.
 */
export async function receiveDeliveries(ctx: Ctx, items: IncomingDelivery[]): Promise<DeliveryResult[]> {
  const prepared = items.map(prepare);
  const firstOf = new Map<string, number>();
  prepared.forEach((p, i) => firstOf.has(p.key) || firstOf.set(p.key, i));
  const repeats = prepared.filter((p, i) => firstOf.get(p.key) !== i).map((p) => p.key);
  return withTransaction(ctx.pool, async (tx) => {
    const unique = [...firstOf.values()].map((i) => prepared[i].row);
    const { rows } = await tx.query<{ id: string; dedupe_key: string; inserted: boolean }>(deliverySql.storeMany(ctx.schema), [JSON.stringify(unique)]);
    if (repeats.length) await tx.query(deliverySql.countRepeats(ctx.schema), [repeats]);
    const stored = new Map(rows.map((r) => [r.dedupe_key, r]));
    const results: DeliveryResult[] = prepared.map((p, i) => {
      const row = stored.get(p.key)!;
      if (!row.inserted || firstOf.get(p.key) !== i) return { status: 'duplicate', id: row.id };
      if (p.problem) ctx.log.warn({ webhookEventId: row.id, problem: p.problem }, 'webhook payload not understood; stored as failed for replay');
      return { status: p.status, id: row.id, ...(p.problem ? { error: p.problem } : {}) };
    });
    const toApply = results.flatMap((r, i) => (r.status === 'processed' ? [{ i, id: r.id, event: prepared[i].event! }] : []));
    if (toApply.length === 0) return results;
    // Stored as `processed` already: nothing else to write when the apply succeeds.
    await tx.query('SAVEPOINT apply_batch');
    try {
      const outcomes = await ingest(
        ctx,
        tx,
        toApply.map((a) => a.event),
      );
      toApply.forEach((a, k) => (results[a.i] = { status: 'processed', id: a.id, outcome: outcomes[k] }));
    } catch {
      await tx.query('ROLLBACK TO SAVEPOINT apply_batch');
      for (const a of toApply) results[a.i] = await applyStored(ctx, tx, a.id, a.event, false);
    }
    return results;
  });
}

/**
 * Coalesces concurrent webhook requests into batches (group commit): under load, deliveries that
 * arrive while a batch is being written go into the next one, so a burst costs a few transactions
 * instead of one per delivery; a lone delivery is written at once. One batch at a time by default:
 * two concurrent batches of one process would only wait on each other's row locks (the same
 * conversations and contacts); more runtime processes scale out.
 */
export class DeliveryBatcher {
  private queue: { item: IncomingDelivery; resolve: (r: DeliveryResult) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly ctx: Ctx,
    private readonly maxBatch = 64,
    private readonly inFlight = 1,
  ) {}

  submit(item: IncomingDelivery): Promise<DeliveryResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.inFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.running++;
      receiveDeliveries(
        this.ctx,
        batch.map((b) => b.item),
      )
        .then(
          (results) => batch.forEach((b, i) => b.resolve(results[i])),
          (error: unknown) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}

/** Lock conflicts another delivery caused (two colleagues replying at once): worth another try. */
const RETRYABLE = new Set(['40P01', '40001', '55P03']);
const ATTEMPTS = 3;

/** Applies a stored delivery inside a savepoint; on error the row becomes `failed` with the message. */
async function applyStored(ctx: Ctx, tx: Queryable, id: string, event: InboxEvent, markProcessed: boolean): Promise<DeliveryResult> {
  for (let attempt = 1; ; attempt++) {
    await tx.query('SAVEPOINT apply_delivery');
    try {
      const [outcome] = await ingest(ctx, tx, [event]);
      if (markProcessed) await tx.query(deliverySql.markApplied(ctx.schema), [id, 'processed']);
      return { status: 'processed', id, outcome };
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT apply_delivery');
      if (attempt < ATTEMPTS && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
      const message = error instanceof Error ? error.message : String(error);
      await tx.query(deliverySql.markFailed(ctx.schema), [id, message]);
      ctx.log.error({ err: error, webhookEventId: id, event: event.event }, 'applying a webhook delivery failed; stored as failed for `sequencer webhooks replay`');
      return { status: 'failed', id, error: message };
    }
  }
}

export interface ReplaySummary {
  processed: number;
  ignored: number;
  failed: number;
  /** Rows another process was replaying at the same time. */
  skipped: number;
}

/**
 * Re-applies `failed` deliveries (and `received` ones a crash left half-way) received since `since`,
 * each in its own transaction, in the order they arrived. Applying is idempotent, so a replay never
 * doubles anything; a row that fails again stays `failed` with the new error.
 */
export async function replayDeliveries(ctx: Ctx, options: { since?: Date; batchSize?: number } = {}): Promise<ReplaySummary> {
  const summary: ReplaySummary = { processed: 0, ignored: 0, failed: 0, skipped: 0 };
  const since = options.since ?? new Date(0);
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await ctx.pool.query<{ id: string; payload: Record<string, unknown>; received_at: Date }>(deliverySql.replayable(ctx.schema), [since, after, options.batchSize ?? 200]);
    if (rows.length === 0) return summary;
    for (const row of rows) {
      const status = await withTransaction(ctx.pool, async (tx) => {
        const locked = await tx.query(deliverySql.lockForReplay(ctx.schema), [row.id]);
        if (locked.rowCount === 0) return 'skipped' as const;
        const delivery = readWebhook(row.payload, row.received_at);
        if (delivery.problem) {
          await tx.query(deliverySql.markFailed(ctx.schema), [row.id, delivery.problem]);
          return 'failed' as const;
        }
        if (delivery.inbox!.type === 'ignored') {
          await tx.query(deliverySql.markApplied(ctx.schema), [row.id, 'ignored']);
          return 'ignored' as const;
        }
        return (await applyStored(ctx, tx, row.id, delivery.inbox!, true)).status as 'processed' | 'failed';
      });
      summary[status]++;
    }
    after = rows[rows.length - 1].id;
  }
}

/**
 * Postgres refuses jsonb nested deeper than its stack allows; no UniPile body comes close. Such a
 * body is kept as text (`{ "unparsed": … }`) and `failed`, so an authenticated delivery is never lost.
 */
const MAX_STORED_DEPTH = 256;
const TOO_DEEP = `the body nests deeper than ${MAX_STORED_DEPTH} levels; kept as text in payload.unparsed`;

function nestingDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (!v || typeof v !== 'object') continue;
    max = Math.max(max, depth);
    if (max > MAX_STORED_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return max;
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Postgres jsonb refuses `\u0000` and unpaired surrogates (`\ud800`); such a body is stored with NULs
 * dropped and lone surrogates replaced by U+FFFD rather than lost.
 */
const UNSTORABLE_ESCAPE = /\\u0000|\\u[dD][89a-fA-F]/;

function storablePayload(body: Record<string, unknown>, raw: string | undefined): string {
  if (raw !== undefined && !UNSTORABLE_ESCAPE.test(raw) && raw.isWellFormed()) return raw;
  return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'string' ? value.replaceAll('\u0000', '').toWellFormed() : value));
}
