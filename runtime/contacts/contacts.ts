import type { Ctx } from '../context';
import type { Queryable } from '../db/pool';
import type { ReasonCode } from '../sequences/reasons';
import { stopEnrollments, type EnrollmentRow } from '../sequences/transitions';
import { contactReadSql } from './sql';

/** A contact with everything an operator looks at: identities, conversations, enrollments, engagement. */
export async function getContactDetail(ctx: Ctx, contactId: string) {
  const s = ctx.schema;
  const { rows } = await ctx.pool.query(contactReadSql.contact(s), [contactId]);
  if (rows.length === 0) return null;
  const [identities, conversations, enrollments, engagement] = await Promise.all([
    ctx.pool.query(contactReadSql.identities(s), [contactId]),
    ctx.pool.query(contactReadSql.conversations(s), [contactId]),
    ctx.pool.query(contactReadSql.enrollments(s), [contactId]),
    ctx.pool.query(contactReadSql.engagement(s), [contactId]),
  ]);
  return { ...rows[0], identities: identities.rows, conversations: conversations.rows, enrollments: enrollments.rows, engagement: engagement.rows };
}

/**
 * Marks contacts do-not-contact and stops their live enrollments with the same reason, in the
 * caller's transaction (`data` goes on their timeline). UniPile Send also re-checks the flag just
 * before every provider call.
 */
export async function markDoNotContact(
  ctx: Ctx,
  tx: Queryable,
  contactIds: string[],
  reason: ReasonCode = 'do_not_contact',
  data: Record<string, unknown> = {},
): Promise<{ contactIds: string[]; stoppedEnrollmentIds: string[]; stopped: EnrollmentRow[] }> {
  const marked = await tx.query<{ id: string }>(contactReadSql.markDoNotContact(ctx.schema), [contactIds, reason]);
  const live = await tx.query<{ id: string }>(contactReadSql.liveEnrollmentsOf(ctx.schema), [contactIds]);
  const stopped = await stopEnrollments(
    ctx,
    tx,
    live.rows.map((r) => r.id),
    reason,
    data,
  );
  return { contactIds: marked.rows.map((r) => r.id), stoppedEnrollmentIds: stopped.map((e) => e.id), stopped };
}
