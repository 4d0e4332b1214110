import type { Ctx } from '../context';
import { q } from '../db/identifier';
import { sortKeySql, type Keyset } from '../db/keyset';

/** The inbox read model for operators: conversations newest first, their messages, read and assign. */
export interface ConversationFilter {
  status?: 'open' | 'snoozed' | 'closed';
  unread?: boolean;
  accountId?: string;
  assignedTo?: string;
  search?: string;
  limit: number;
  after?: Keyset;
}

export async function listConversations(ctx: Ctx, f: ConversationFilter) {
  const s = q(ctx.schema);
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(`$${values.length}`));
  };
  if (f.status) add((p) => `c.status = ${p}`, f.status);
  if (f.unread !== undefined) where.push(f.unread ? 'c.unread_count > 0' : 'c.unread_count = 0');
  if (f.accountId) add((p) => `c.account_id = ${p}`, f.accountId);
  if (f.assignedTo) add((p) => `c.assigned_to = ${p}`, f.assignedTo);
  if (f.search) add((p) => `EXISTS (SELECT 1 FROM ${s}.messages m WHERE m.conversation_id = c.id AND (m.text ILIKE ${p} OR m.subject ILIKE ${p}))`, `%${f.search.replace(/[\\%_]/g, '\\$&')}%`);
  if (f.after) {
    values.push(f.after.at, f.after.id);
    where.push(`(COALESCE(c.last_message_at, c.created_at), c.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(f.limit + 1);
  const { rows } = await ctx.pool.query(
    `SELECT c.id, c.account_id, c.provider_chat_id, c.contact_id, c.channel, c.subject, c.status, c.unread_count, c.last_message_at,
            c.last_inbound_at, c.last_outbound_at, c.assigned_to, c.labels, c.classification,
            ${sortKeySql('COALESCE(c.last_message_at, c.created_at)')},
            ct.full_name AS contact_name, ct.company AS contact_company
       FROM ${s}.conversations c LEFT JOIN ${s}.contacts ct ON ct.id = c.contact_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id DESC
      LIMIT $${values.length}`,
    values,
  );
  return rows as ({ id: string; sort_at: string } & Record<string, unknown>)[];
}

export async function listMessages(ctx: Ctx, conversationId: string, limit: number, after?: Keyset) {
  const s = q(ctx.schema);
  const values: unknown[] = [conversationId, limit + 1];
  let keyset = '';
  if (after) {
    values.push(after.at, after.id);
    keyset = `AND (COALESCE(m.sent_at, m.created_at), m.id) < ($3::timestamptz, $4::uuid)`;
  }
  const { rows } = await ctx.pool.query(
    `SELECT m.id, m.provider_message_id, m.direction, m.status, m.text, m.subject, m.attachments, m.sent_at, m.enrollment_id, m.step,
            m.classification, m.error, ${sortKeySql('COALESCE(m.sent_at, m.created_at)')}
       FROM ${s}.messages m WHERE m.conversation_id = $1 ${keyset}
      ORDER BY COALESCE(m.sent_at, m.created_at) DESC, m.id DESC LIMIT $2`,
    values,
  );
  return rows as ({ id: string; sort_at: string } & Record<string, unknown>)[];
}

export async function conversationExists(ctx: Ctx, id: string): Promise<boolean> {
  const { rowCount } = await ctx.pool.query(`SELECT 1 FROM ${q(ctx.schema)}.conversations WHERE id = $1`, [id]);
  return (rowCount ?? 0) > 0;
}

export async function markConversationRead(ctx: Ctx, id: string) {
  const { rows } = await ctx.pool.query(
    `UPDATE ${q(ctx.schema)}.conversations SET unread_count = 0, last_read_at = now(), updated_at = now() WHERE id = $1 RETURNING id, unread_count, last_read_at`,
    [id],
  );
  return rows[0] ?? null;
}

export async function assignConversation(ctx: Ctx, id: string, assignee: string | null, status?: 'open' | 'snoozed' | 'closed') {
  const { rows } = await ctx.pool.query(
    `UPDATE ${q(ctx.schema)}.conversations SET assigned_to = $2, status = COALESCE($3, status), updated_at = now()
      WHERE id = $1 RETURNING id, assigned_to, status`,
    [id, assignee, status ?? null],
  );
  return rows[0] ?? null;
}

export async function listAccounts(ctx: Ctx, status?: string) {
  const { rows } = await ctx.pool.query(
    `SELECT id, provider, name, own_provider_id, timezone, status, status_changed_at, last_synced_at, limits, updated_at
       FROM ${q(ctx.schema)}.accounts ${status ? 'WHERE status = $1' : ''} ORDER BY name NULLS LAST, id`,
    status ? [status] : [],
  );
  return rows;
}
