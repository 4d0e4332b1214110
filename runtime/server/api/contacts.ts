import { z } from 'zod/v4';
import { getContactDetail, markDoNotContact } from '../../contacts/contacts';
import { contactFieldsSchema, toContactInput } from '../../contacts/input';
import { upsertContacts } from '../../contacts/upsert';
import { withTransaction } from '../../db/pool';
import { ApiError, notFound } from './errors';
import { reasonSchema, route, timestamp } from './route';

const idParams = z.object({ id: z.uuid({ error: 'expected a contact id (uuid)' }) });
const json = z.record(z.string(), z.unknown());

const contactDetailSchema = z.object({
  id: z.uuid(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  full_name: z.string().nullable(),
  company: z.string().nullable(),
  company_domain: z.string().nullable(),
  title: z.string().nullable(),
  timezone: z.string().nullable(),
  attributes: json,
  do_not_contact: z.boolean(),
  do_not_contact_reason: z.string().nullable(),
  do_not_contact_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  identities: z.array(z.object({ kind: z.string(), value: z.string(), created_at: timestamp })),
  conversations: z.array(
    z.object({
      id: z.uuid(),
      account_id: z.string(),
      provider_chat_id: z.string(),
      channel: z.string(),
      subject: z.string().nullable(),
      status: z.string(),
      unread_count: z.number().int(),
      last_message_at: timestamp.nullable(),
      last_inbound_at: timestamp.nullable(),
      last_outbound_at: timestamp.nullable(),
      assigned_to: z.string().nullable(),
      labels: z.array(z.string()),
    }),
  ),
  enrollments: z.array(
    z.object({
      id: z.uuid(),
      sequence_key: z.string(),
      account_id: z.string().nullable(),
      status: z.string(),
      current_step: z.string().nullable(),
      next_step: z.string().nullable(),
      next_run_at: timestamp.nullable(),
      stop_reason: z.string().nullable(),
      pause_reason: z.string().nullable(),
      enrolled_at: timestamp,
      finished_at: timestamp.nullable(),
    }),
  ),
  engagement: z.array(z.object({ id: z.uuid(), kind: z.string(), channel: z.string().nullable(), account_id: z.string().nullable(), occurred_at: timestamp, data: json })),
});

export const contactRoutes = [
  route({
    method: 'get',
    path: '/contacts/:id',
    tag: 'contacts',
    summary: 'A contact with its identities, conversations, enrollments and engagement',
    params: idParams,
    response: contactDetailSchema,
    errors: [404],
    async handler(ctx, { params }) {
      const contact = await getContactDetail(ctx, params.id);
      if (!contact) throw notFound('contact', params.id);
      return { body: contact };
    },
  }),
  route({
    method: 'post',
    path: '/contacts',
    tag: 'contacts',
    summary: 'Create or update a contact, matched through the identity graph (201 when created, 200 when it existed)',
    body: contactFieldsSchema,
    response: z.object({ contactId: z.uuid(), created: z.boolean() }),
    idempotent: true,
    async handler(ctx, { body }) {
      const mapped = toContactInput(body);
      if (!mapped.ok) throw new ApiError(400, 'validation_failed', `Invalid contact: ${mapped.problems[0].field}: ${mapped.problems[0].message}`, mapped.problems.map((p) => ({ ...p, field: `body.${p.field}` })));
      const [match] = await withTransaction(ctx.pool, (tx) => upsertContacts(tx, ctx.schema, [mapped.input]));
      return { status: match.created ? 201 : 200, body: { contactId: match.contactId, created: match.created } };
    },
  }),
  route({
    method: 'post',
    path: '/contacts/:id/do-not-contact',
    tag: 'contacts',
    summary: 'Mark a contact do-not-contact and stop its live enrollments',
    params: idParams,
    body: z.object({ reason: reasonSchema.default('do_not_contact') }).strict().default({ reason: 'do_not_contact' }),
    response: z.object({ contactId: z.uuid(), doNotContact: z.literal(true), reason: z.string(), stoppedEnrollmentIds: z.array(z.uuid()) }),
    errors: [404],
    async handler(ctx, { params, body }) {
      const { reason } = body;
      const result = await withTransaction(ctx.pool, (tx) => markDoNotContact(ctx, tx, [params.id], reason));
      if (result.contactIds.length === 0) throw notFound('contact', params.id);
      return { body: { contactId: params.id, doNotContact: true, reason, stoppedEnrollmentIds: result.stoppedEnrollmentIds } };
    },
  }),
];
