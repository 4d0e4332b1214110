import type { Ctx } from '../context';
import type { Queryable } from '../db/pool';
import { QUEUES } from '../jobs/boss';
import { uuidV5 } from '../jobs/ids';

/** Events a Sequencer Trigger (or any subscriber) can receive (DESIGN §4 dispatch). */
export const SUBSCRIPTION_EVENTS = [
  'sequence.step',
  'message.received',
  'invitation.accepted',
  'email.opened',
  'email.clicked',
  'account.status',
  'enrollment.stopped',
  'enrollment.completed',
] as const;
export type SubscriptionEvent = (typeof SUBSCRIPTION_EVENTS)[number];
export type InboxEvent = Exclude<SubscriptionEvent, 'sequence.step'>;

/** What an `inbox-notify` job carries: one event, fanned out to every subscription that wants it. */
export interface NotificationJobData {
  event: InboxEvent;
  /** Stable across retries and re-ingestion: the delivery id subscribers dedupe on. */
  deliveryId: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

export interface Notification {
  event: InboxEvent;
  /** What makes this notification unique (e.g. the webhook dedupe key); the same key never notifies twice. */
  sourceKey: string;
  occurredAt: Date;
  payload: Record<string, unknown>;
}

/**
 * Queues notifications in the caller's transaction: they exist only if the ingest commits, and they
 * are POSTed by the notifier worker afterwards, never inside the webhook request.
 */
export async function enqueueNotifications(ctx: Ctx, tx: Queryable, notifications: Notification[]): Promise<void> {
  if (notifications.length === 0) return;
  const db = { executeSql: (text: string, values?: unknown[]) => tx.query(text, values) };
  await ctx.boss.insert(
    QUEUES.notify,
    notifications.map((n) => {
      const deliveryId = uuidV5(`${n.event}:${n.sourceKey}`);
      return {
        id: deliveryId,
        data: { event: n.event, deliveryId, occurredAt: n.occurredAt.toISOString(), payload: n.payload } satisfies NotificationJobData,
      };
    }),
    { db },
  );
}
