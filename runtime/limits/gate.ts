import type { Ctx } from '../context';
import { isUuid } from '../db/uuid';
import { recordEvents } from '../sequences/transitions';
import { settingsFromRow, type SequenceSettings } from '../sequences/settings';
import { type Reservation, reserveMany, type ReserveRequest } from './ledger';
import type { LimitRule } from './policy';
import { ledgerSql } from './sql';

/**
 * The Rate Gate for flow items (the `rateGate` node, and anything else that gates sequence steps):
 * an item that carries an enrollment takes its account, its sequence's limits and calendar from it,
 * and a refusal is written on the enrollment's timeline as `deferred` with its reason, so a step
 * that did not go out says why.
 */
export interface GateItem {
  /** Default: the enrollment's account. */
  accountId?: string | null;
  action: string;
  enrollmentId?: string | null;
  step?: string | null;
  /** Default `<enrollment>:<step>` when both are known. */
  reference?: string | null;
  limits?: LimitRule;
  ignoreWorkingHours?: boolean;
}

export type GateOutcome = Reservation | { error: string };

interface Pacing {
  accountId: string | null;
  sequence: { settings: SequenceSettings; contactTimezone: string | null };
}

export async function gate(ctx: Ctx, items: GateItem[], options: { at?: Date } = {}): Promise<GateOutcome[]> {
  const pacing = await pacingOf(
    ctx,
    items.map((i) => i.enrollmentId).filter((id): id is string => !!id && isUuid(id)),
  );
  const outcomes: GateOutcome[] = new Array(items.length);
  const requests: Array<{ index: number; request: ReserveRequest }> = [];
  items.forEach((item, index) => {
    const request = requestOf(item, pacing);
    if ('error' in request) outcomes[index] = request;
    else requests.push({ index, request });
  });
  const decided = await reserveMany(
    ctx,
    requests.map((r) => r.request),
    options,
  );
  requests.forEach(({ index }, k) => (outcomes[index] = decided[k]));
  await recordDeferrals(ctx, items, outcomes);
  return outcomes;
}

function requestOf(item: GateItem, pacing: Map<string, Pacing>): ReserveRequest | { error: string } {
  const { enrollmentId, step } = item;
  if (enrollmentId && !isUuid(enrollmentId)) return { error: `enrollment id "${enrollmentId}" is not a UUID: map the item's enrollment.id` };
  const enrollment = enrollmentId ? pacing.get(enrollmentId) : undefined;
  if (enrollmentId && !enrollment) return { error: `enrollment ${enrollmentId} does not exist in this schema: check the credential's schema` };
  const accountId = item.accountId || enrollment?.accountId;
  if (!accountId) {
    return { error: 'no account to reserve for: set Account ID, or pass an item whose enrollment has an account (dispatch payload enrollment.id)' };
  }
  return {
    accountId,
    action: item.action,
    reference: item.reference || (enrollmentId && step ? `${enrollmentId}:${step}` : null),
    sequence: enrollment?.sequence ?? null,
    limits: item.limits,
    ignoreWorkingHours: item.ignoreWorkingHours,
    data: enrollmentId ? { enrollmentId, step: step ?? null } : {},
  };
}

async function pacingOf(ctx: Ctx, enrollmentIds: string[]): Promise<Map<string, Pacing>> {
  if (enrollmentIds.length === 0) return new Map();
  const { rows } = await ctx.pool.query<{ id: string; account_id: string | null; settings: unknown; contact_timezone: string | null }>(
    ledgerSql.enrollmentPacing(ctx.schema),
    [[...new Set(enrollmentIds)]],
  );
  return new Map(
    rows.map((r) => [r.id, { accountId: r.account_id, sequence: { settings: settingsFromRow(r.settings), contactTimezone: r.contact_timezone } }]),
  );
}

async function recordDeferrals(ctx: Ctx, items: GateItem[], outcomes: GateOutcome[]): Promise<void> {
  const events = items.flatMap((item, i) => {
    const o = outcomes[i];
    if (!item.enrollmentId || 'error' in o || o.allowed) return [];
    const { allowed: _allowed, reason, ...data } = o;
    return [{ enrollmentId: item.enrollmentId, kind: 'deferred', step: item.step ?? null, reason, data: { ...data, retryAt: o.retryAt.toISOString() } }];
  });
  await recordEvents(ctx.pool, ctx.schema, events);
}
