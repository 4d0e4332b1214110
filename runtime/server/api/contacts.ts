import { z } from 'zod/v4';
import { getContactDetail, markDoNotContact } from '../../contacts/contacts';
import { contactFieldsSchema, toContactInput } from '../../contacts/input';
import { upsertContacts } from '../../contacts/upsert';
import { withTransaction } from '../../db/pool';
import { isReasonCode } from '../../sequences/reasons';
import { ApiError, notFound } from './errors';
import { route } from './route';

const idParams = z.object({ id: z.uuid({ error: 'expected a contact id (uuid)' }) });

export const contactRoutes = [
  route({
    method: 'get',
    path: '/contacts/:id',
    tag: 'contacts',
    summary: 'A contact with its identities, conversations, enrollments and engagement',
    params: idParams,
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
    summary: 'Create or update a contact, matched through the identity graph',
    body: contactFieldsSchema,
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
    body: z.object({ reason: z.string().default('do_not_contact') }).default({ reason: 'do_not_contact' }),
    async handler(ctx, { params, body }) {
      if (!isReasonCode(body.reason)) throw new ApiError(400, 'validation_failed', 'body.reason: expected a reason code such as do_not_contact or unsubscribed (docs/schema.md)');
      const reason = body.reason;
      const result = await withTransaction(ctx.pool, (tx) => markDoNotContact(ctx, tx, [params.id], reason));
      if (result.contactIds.length === 0) throw notFound('contact', params.id);
      return { body: { contactId: params.id, doNotContact: true, reason, stoppedEnrollmentIds: result.stoppedEnrollmentIds } };
    },
  }),
];
