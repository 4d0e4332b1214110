import { z } from 'zod/v4';
import { delaySchema } from '../../sequences/delay';
import { createSequence, createSequenceSchema, listSequences, requireSequence, SEQUENCE_STATUSES, updateSequence, updateSequenceSchema } from '../../sequences/definitions';
import { enroll, ENROLL_OUTCOMES, enrollmentContactSchema, enrollOptionsSchema, MAX_ENROLL_BATCH } from '../../sequences/enroll';
import { sequenceSettingsSchema } from '../../sequences/settings';
import { simulate, simulateInputSchema } from '../../sequences/simulate';
import { sequenceStats } from '../../sequences/stats';
import { fieldProblemSchema, route, timestamp } from './route';

const keyParams = z.object({ key: z.string().min(1).max(100).describe('The sequence key') });

const sequenceSchema = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  status: z.enum(SEQUENCE_STATUSES),
  settings: sequenceSettingsSchema,
  version: z.number().int().describe('Bumped by every change of name, settings or status'),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/**
 * The enrolment body (DESIGN §4). Each contact is validated by the engine, so one bad contact is an
 * `invalid` result naming its field instead of failing the batch; the document still shows the contact shape.
 */
const { $schema: _schema, ...contactJsonSchema } = z.toJSONSchema(enrollmentContactSchema, { io: 'input' }) as Record<string, unknown>;
const enrollBody = enrollOptionsSchema
  .omit({ sequenceKey: true })
  .extend({
    contacts: z
      .array(z.unknown().meta({ ...contactJsonSchema, description: 'A contact, matched through the identity graph; at least one of email, phone, whatsapp, linkedinProviderId, linkedinPublicId' }))
      .min(1, { error: 'contacts must list at least one contact' })
      .max(MAX_ENROLL_BATCH, { error: `at most ${MAX_ENROLL_BATCH} contacts per call: split the list` }),
  })
  .strict();

const enrollResponse = z.object({
  results: z.array(
    z.object({
      index: z.number().int().describe('Position of the contact in the request'),
      contactId: z.uuid().nullable(),
      enrollmentId: z.uuid().nullable().describe('The new enrollment, or the live one that made it `already_enrolled`'),
      outcome: z.enum(ENROLL_OUTCOMES),
      runAt: timestamp.nullable().optional().describe('When the first step is due (`enrolled`; null while the sequence is paused)'),
      details: z.array(fieldProblemSchema).optional().describe('For `invalid`: fields relative to the request body, e.g. `contacts.3.email`'),
    }),
  ),
});

const countsByKey = z.record(z.string(), z.number().int());

const statsResponse = z.object({
  sequence: z.object({ key: z.string(), name: z.string(), status: z.enum(SEQUENCE_STATUSES), version: z.number().int() }),
  enrollments: z.object({ total: z.number().int(), active: z.number().int(), paused: z.number().int(), completed: z.number().int(), stopped: z.number().int(), failed: z.number().int() }),
  replied: z.number().int(),
  replyRate: z.number().nullable(),
  stoppedByReason: countsByKey,
  steps: z.array(
    z.object({
      step: z.string(),
      scheduled: z.number().int(),
      dispatched: z.number().int(),
      sent: z.number().int(),
      replied: z.number().int(),
      replyRate: z.number().nullable(),
      stopped: countsByKey.describe('Stops while this was the last step sent, by reason'),
      failed: z.number().int(),
    }),
  ),
});

const simulateResponse = z.object({
  sequence: z.object({ key: z.string(), version: z.number().int(), status: z.enum(SEQUENCE_STATUSES) }),
  contactId: z.uuid().nullable(),
  timezone: z.string(),
  from: timestamp,
  enrollmentId: z.uuid().nullable(),
  jitterExact: z.boolean().describe('False when jitter will move the times once the contact is enrolled'),
  steps: z.array(
    z.object({
      name: z.string(),
      delay: delaySchema,
      at: timestamp,
      local: z.string().describe('The same moment on the calendar\'s wall clock'),
      wakeOn: z.array(z.string()),
      notes: z.array(z.object({ reason: z.string().optional(), message: z.string() })),
    }),
  ),
});

export const sequenceRoutes = [
  route({
    method: 'get',
    path: '/sequences',
    tag: 'sequences',
    summary: 'Sequences, by key, optionally of one status',
    query: z.object({ status: z.enum(SEQUENCE_STATUSES).optional() }),
    response: z.object({ items: z.array(sequenceSchema) }),
    async handler(ctx, { query }) {
      return { body: { items: await listSequences(ctx, { status: query.status }) } };
    },
  }),
  route({
    method: 'post',
    path: '/sequences',
    tag: 'sequences',
    summary: 'Create a sequence (409 when the key exists)',
    body: createSequenceSchema.extend({ name: z.string().trim().min(1).max(200) }).strict(),
    response: sequenceSchema,
    status: 201,
    idempotent: true,
    errors: [409],
    async handler(ctx, { body }) {
      return { status: 201, body: await createSequence(ctx, body) };
    },
  }),
  route({
    method: 'get',
    path: '/sequences/:key',
    tag: 'sequences',
    summary: 'A sequence with its settings',
    params: keyParams,
    response: sequenceSchema,
    errors: [404],
    async handler(ctx, { params }) {
      return { body: await requireSequence(ctx, params.key) };
    },
  }),
  route({
    method: 'patch',
    path: '/sequences/:key',
    tag: 'sequences',
    summary: 'Change name, settings (the whole object) or status; pausing pauses its enrollments, archiving stops them',
    params: keyParams,
    body: updateSequenceSchema,
    response: sequenceSchema,
    errors: [404],
    async handler(ctx, { params, body }) {
      return { body: await updateSequence(ctx, params.key, body) };
    },
  }),
  route({
    method: 'get',
    path: '/sequences/:key/stats',
    tag: 'sequences',
    summary: 'Per-step funnel (scheduled, dispatched, sent, replied, stopped by reason, failed) and reply rates',
    params: keyParams,
    response: statsResponse,
    errors: [404],
    async handler(ctx, { params }) {
      return { body: await sequenceStats(ctx, params.key) };
    },
  }),
  route({
    method: 'post',
    path: '/sequences/:key/simulate',
    tag: 'sequences',
    summary: 'When each step would run for a contact, with the calendar, jitter and known account limits (nothing is written)',
    params: keyParams,
    body: simulateInputSchema.omit({ sequenceKey: true }).strict().default({}),
    response: simulateResponse,
    errors: [404],
    async handler(ctx, { params, body }) {
      return { body: await simulate(ctx, { ...body, sequenceKey: params.key }) };
    },
  }),
  route({
    method: 'post',
    path: '/sequences/:key/enrollments',
    tag: 'enrollments',
    summary: 'Enroll contacts in bulk: one result per contact, in input order',
    params: keyParams,
    body: enrollBody,
    response: enrollResponse,
    idempotent: true,
    errors: [404, 409],
    async handler(ctx, { params, body }) {
      return { body: { results: await enroll(ctx, { ...body, sequenceKey: params.key }) } };
    },
  }),
];
