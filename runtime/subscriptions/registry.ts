import { z } from 'zod/v4';
import type { Queryable } from '../db/pool';
import { parseOrThrow } from '../sequences/errors';
import { SUBSCRIPTION_EVENTS, type SubscriptionEvent } from './events';
import { subscriptionSql } from './sql';

/**
 * The registry of endpoints the runtime POSTs to (DESIGN §4): a Sequencer Trigger writes its row on
 * activation and deletes it on deactivation; anyone may register one. `sequenceKey` narrows a
 * subscription to one sequence; without it the subscription receives the events of every sequence.
 */
export interface Subscription {
  id: string;
  url: string;
  events: SubscriptionEvent[];
  sequenceKey: string | null;
  secret: string;
  description: string | null;
  active: boolean;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
  createdAt: Date;
  updatedAt: Date;
}

export const subscriptionInputSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'url must be an absolute http(s) URL, e.g. the Sequencer Trigger\'s production webhook URL' }),
    events: z.array(z.enum(SUBSCRIPTION_EVENTS, { error: `expected one of ${SUBSCRIPTION_EVENTS.join(', ')}` })).min(1, { error: 'list at least one event' }),
    sequenceKey: z.string().min(1).max(100).nullish(),
    secret: z.string().min(16, { error: 'secret must have at least 16 characters (e.g. 32 random bytes in hex)' }),
    description: z.string().max(500).nullish(),
  })
  .strict();

export type SubscriptionInput = z.input<typeof subscriptionInputSchema>;

interface SubscriptionRow {
  id: string;
  url: string;
  events: SubscriptionEvent[];
  sequence_key: string | null;
  secret: string;
  description: string | null;
  active: boolean;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  last_error: string | null;
  consecutive_failures: number;
  created_at: Date;
  updated_at: Date;
}

const fromRow = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  url: r.url,
  events: r.events,
  sequenceKey: r.sequence_key,
  secret: r.secret,
  description: r.description,
  active: r.active,
  lastSuccessAt: r.last_success_at,
  lastFailureAt: r.last_failure_at,
  lastError: r.last_error,
  consecutiveFailures: r.consecutive_failures,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Registers (or re-registers, by URL) an endpoint. */
export async function registerSubscription(db: Queryable, schema: string, input: SubscriptionInput): Promise<Subscription> {
  const s = parseOrThrow(subscriptionInputSchema, input);
  const { rows } = await db.query<SubscriptionRow>(subscriptionSql.upsert(schema), [s.url, [...new Set(s.events)], s.sequenceKey ?? null, s.secret, s.description ?? null]);
  return fromRow(rows[0]);
}

/** Removes a subscription by id or URL; false when there was none. */
export async function unregisterSubscription(db: Queryable, schema: string, which: { id: string } | { url: string }): Promise<boolean> {
  const { rows } = 'id' in which ? await db.query(subscriptionSql.deleteById(schema), [which.id]) : await db.query(subscriptionSql.deleteByUrl(schema), [which.url]);
  return rows.length > 0;
}

export async function getSubscription(db: Queryable, schema: string, id: string): Promise<Subscription | undefined> {
  const { rows } = await db.query<SubscriptionRow>(subscriptionSql.byId(schema), [id]);
  return rows[0] && fromRow(rows[0]);
}

export async function listSubscriptions(db: Queryable, schema: string, filter: { event?: SubscriptionEvent; sequenceKey?: string } = {}): Promise<Subscription[]> {
  const { rows } = await db.query<SubscriptionRow>(subscriptionSql.list(schema), [filter.event ?? null, filter.sequenceKey ?? null]);
  return rows.map(fromRow);
}

/** Active subscriptions listing any of these events. */
export async function subscriptionsForEvents(db: Queryable, schema: string, events: SubscriptionEvent[]): Promise<Subscription[]> {
  if (events.length === 0) return [];
  const { rows } = await db.query<SubscriptionRow>(subscriptionSql.forEvents(schema), [events]);
  return rows.map(fromRow);
}

export async function anySubscriptionFor(db: Queryable, schema: string, event: SubscriptionEvent): Promise<boolean> {
  const { rows } = await db.query<{ any: boolean }>(subscriptionSql.anyForEvent(schema), [event]);
  return rows[0].any;
}

/** Does this subscription want `event` about `sequenceKey` (null: an event not about one sequence)? */
export function subscriptionWants(sub: Subscription, event: SubscriptionEvent, sequenceKey: string | null): boolean {
  return sub.events.includes(event) && (sub.sequenceKey === null || sequenceKey === null || sub.sequenceKey === sequenceKey);
}

export interface DeliveryHealth {
  subscriptionId: string;
  ok: boolean;
  error?: string;
}

/** Updates the health fields of the subscriptions involved in a batch of deliveries, in one statement. */
export async function recordDeliveryHealth(db: Queryable, schema: string, outcomes: DeliveryHealth[]): Promise<void> {
  if (outcomes.length === 0) return;
  const bySubscription = new Map<string, { id: string; succeeded: number; failed: number; error: string | null }>();
  for (const o of outcomes) {
    const agg = bySubscription.get(o.subscriptionId) ?? { id: o.subscriptionId, succeeded: 0, failed: 0, error: null };
    if (o.ok) agg.succeeded++;
    else {
      agg.failed++;
      agg.error = o.error ?? 'delivery failed';
    }
    bySubscription.set(o.subscriptionId, agg);
  }
  await db.query(subscriptionSql.recordHealth(schema), [JSON.stringify([...bySubscription.values()])]);
}
