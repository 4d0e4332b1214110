import { z } from 'zod/v4';
import { assignConversation, conversationExists, listAccounts, listConversations, listMessages, markConversationRead } from '../../inbox/queries';
import { usage } from '../../limits/usage';
import { notFound } from './errors';
import { decodeCursor, page } from './pagination';
import { pageQuery, route } from './route';

const conversationParams = z.object({ id: z.uuid({ error: 'expected a conversation id (uuid)' }) });
const sortKey = (r: { id: string; sort_at: Date }) => ({ at: new Date(r.sort_at).toISOString(), id: r.id });
const strip = <T extends { sort_at: unknown }>({ sort_at: _sortAt, ...rest }: T) => rest;

export const inboxRoutes = [
  route({
    method: 'get',
    path: '/inbox/conversations',
    tag: 'inbox',
    summary: 'Conversations, newest first, filtered by status, unread, account, assignee or text',
    query: z.object({
      status: z.enum(['open', 'snoozed', 'closed']).optional(),
      unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      account: z.string().min(1).optional(),
      assigned: z.string().min(1).optional(),
      q: z.string().min(1).max(200).optional().describe('Text to find in messages or subjects'),
      ...pageQuery,
    }),
    async handler(ctx, { query }) {
      const rows = await listConversations(ctx, {
        status: query.status,
        unread: query.unread,
        accountId: query.account,
        assignedTo: query.assigned,
        search: query.q,
        limit: query.limit,
        after: decodeCursor(query.cursor),
      });
      const p = page(rows, query.limit, sortKey);
      return { body: { items: p.items.map(strip), next_cursor: p.next_cursor } };
    },
  }),
  route({
    method: 'get',
    path: '/inbox/conversations/:id/messages',
    tag: 'inbox',
    summary: 'Messages of a conversation, newest first',
    params: conversationParams,
    query: z.object(pageQuery),
    async handler(ctx, { params, query }) {
      if (!(await conversationExists(ctx, params.id))) throw notFound('conversation', params.id);
      const rows = await listMessages(ctx, params.id, query.limit, decodeCursor(query.cursor));
      const p = page(rows, query.limit, sortKey);
      return { body: { items: p.items.map(strip), next_cursor: p.next_cursor } };
    },
  }),
  route({
    method: 'post',
    path: '/inbox/conversations/:id/read',
    tag: 'inbox',
    summary: 'Mark a conversation read',
    params: conversationParams,
    async handler(ctx, { params }) {
      const row = await markConversationRead(ctx, params.id);
      if (!row) throw notFound('conversation', params.id);
      return { body: row };
    },
  }),
  route({
    method: 'post',
    path: '/inbox/conversations/:id/assign',
    tag: 'inbox',
    summary: 'Assign a conversation to a person (null to unassign), optionally changing its status',
    params: conversationParams,
    body: z.object({ assignee: z.string().min(1).max(200).nullable(), status: z.enum(['open', 'snoozed', 'closed']).optional() }),
    async handler(ctx, { params, body }) {
      const row = await assignConversation(ctx, params.id, body.assignee, body.status);
      if (!row) throw notFound('conversation', params.id);
      return { body: row };
    },
  }),
  route({
    method: 'get',
    path: '/accounts',
    tag: 'accounts',
    summary: 'UniPile accounts known to the runtime, with their status',
    query: z.object({ status: z.string().min(1).optional() }),
    async handler(ctx, { query }) {
      return { body: { items: await listAccounts(ctx, query.status) } };
    },
  }),
  route({
    method: 'get',
    path: '/accounts/:id/usage',
    tag: 'accounts',
    summary: 'Rate ledger of an account: used and remaining per action in the hourly, daily and weekly windows',
    params: z.object({ id: z.string().min(1) }),
    async handler(ctx, { params }) {
      const accounts = await listAccounts(ctx);
      if (!accounts.some((a) => a.id === params.id)) throw notFound('account', params.id);
      return { body: await usage(ctx, params.id) };
    },
  }),
];
