import { z } from 'zod/v4';
import { assignConversation, conversationExists, listAccounts, listConversations, listMessages, markConversationRead } from '../../inbox/queries';
import { usage } from '../../limits/usage';
import { notFound } from './errors';
import { decodeCursor, page } from './pagination';
import { pageOf, pageQuery, route, timestamp } from './route';

const conversationParams = z.object({ id: z.uuid({ error: 'expected a conversation id (uuid)' }) });
const CONVERSATION_STATUSES = ['open', 'snoozed', 'closed'] as const;
const json = z.record(z.string(), z.unknown());

const conversationSchema = z.object({
  id: z.uuid(),
  account_id: z.string(),
  provider_chat_id: z.string(),
  contact_id: z.uuid().nullable(),
  channel: z.string(),
  subject: z.string().nullable(),
  status: z.enum(CONVERSATION_STATUSES),
  unread_count: z.number().int(),
  last_message_at: timestamp.nullable(),
  last_inbound_at: timestamp.nullable(),
  last_outbound_at: timestamp.nullable(),
  assigned_to: z.string().nullable(),
  labels: z.array(z.string()),
  classification: json.nullable(),
  contact_name: z.string().nullable(),
  contact_company: z.string().nullable(),
});

const messageSchema = z.object({
  id: z.uuid(),
  provider_message_id: z.string().nullable(),
  direction: z.enum(['in', 'out']),
  status: z.string(),
  text: z.string().nullable(),
  subject: z.string().nullable(),
  attachments: z.array(z.unknown()),
  sent_at: timestamp.nullable(),
  enrollment_id: z.uuid().nullable(),
  step: z.string().nullable(),
  classification: json.nullable(),
  error: z.unknown().nullable(),
});

const accountSchema = z.object({
  id: z.string(),
  provider: z.string(),
  name: z.string().nullable(),
  own_provider_id: z.string().nullable(),
  timezone: z.string().nullable(),
  status: z.string(),
  status_changed_at: timestamp.nullable(),
  last_synced_at: timestamp.nullable(),
  limits: json,
  updated_at: timestamp,
});

const windowUsageSchema = z.object({ used: z.number().int(), limit: z.number().int().nullable(), remaining: z.number().int().nullable() });
const usageSchema = z.object({
  accountId: z.string(),
  timezone: z.string(),
  at: timestamp,
  actions: z.array(
    z.object({
      action: z.string(),
      hourly: windowUsageSchema,
      daily: windowUsageSchema.extend({ resetsAt: timestamp }),
      weekly: windowUsageSchema,
      nextAllowedAt: timestamp.nullable(),
      cooldown: z.object({ until: timestamp, reason: z.string().nullable() }).nullable(),
    }),
  ),
});
const sortKey = (r: { id: string; sort_at: string }) => ({ at: r.sort_at, id: r.id });
const strip = <T extends { sort_at: unknown }>({ sort_at: _sortAt, ...rest }: T) => rest;

export const inboxRoutes = [
  route({
    method: 'get',
    path: '/inbox/conversations',
    tag: 'inbox',
    summary: 'Conversations, newest first, filtered by status, unread, account, assignee or text',
    query: z.object({
      status: z.enum(CONVERSATION_STATUSES).optional(),
      unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
      account: z.string().min(1).optional(),
      assigned: z.string().min(1).optional(),
      q: z.string().min(1).max(200).optional().describe('Text to find in messages or subjects'),
      ...pageQuery,
    }),
    response: pageOf(conversationSchema),
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
    response: pageOf(messageSchema),
    errors: [404],
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
    response: z.object({ id: z.uuid(), unread_count: z.number().int(), last_read_at: timestamp.nullable().optional() }),
    errors: [404],
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
    body: z.object({ assignee: z.string().min(1).max(200).nullable(), status: z.enum(CONVERSATION_STATUSES).optional() }),
    response: z.object({ id: z.uuid(), assigned_to: z.string().nullable(), status: z.enum(CONVERSATION_STATUSES) }),
    errors: [404],
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
    query: z.object({ status: z.string().min(1).optional().describe('UniPile status as stored: OK, CREDENTIALS, ERROR, STOPPED, …') }),
    response: z.object({ items: z.array(accountSchema) }),
    async handler(ctx, { query }) {
      return { body: { items: await listAccounts(ctx, query.status) } };
    },
  }),
  route({
    method: 'get',
    path: '/accounts/:id/usage',
    tag: 'accounts',
    summary: 'Rate ledger of an account: used and remaining per action in the hourly, daily and weekly windows',
    params: z.object({ id: z.string().min(1).describe('UniPile account id') }),
    response: usageSchema,
    errors: [404],
    async handler(ctx, { params }) {
      const accounts = await listAccounts(ctx);
      if (!accounts.some((a) => a.id === params.id)) throw notFound('account', params.id);
      return { body: await usage(ctx, params.id) };
    },
  }),
];
