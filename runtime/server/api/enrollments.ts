import { z } from 'zod/v4';
import type { RuntimeCtx } from '../../context';
import { changeEnrollments, getEnrollments, listEnrollments, type EnrollmentChange } from '../../sequences/enrollments';
import { stepNameSchema } from '../../sequences/steps';
import { ApiError, notFound } from './errors';
import { decodeCursor, page } from './pagination';
import { pageOf, pageQuery, reasonSchema, route, timestamp } from './route';

const ENROLLMENT_STATUSES = ['active', 'paused', 'completed', 'stopped', 'failed'] as const;

const idParams = z.object({ id: z.uuid({ error: 'expected an enrollment id (uuid)' }) });

const enrollmentSummarySchema = z.object({
  id: z.uuid(),
  status: z.enum(ENROLLMENT_STATUSES),
  sequence: z.object({ id: z.uuid(), key: z.string(), name: z.string() }),
  contactId: z.uuid(),
  accountId: z.string().nullable(),
  currentStep: z.string().nullable().describe('The last step dispatched'),
  nextStep: z.string().nullable().describe('The pending step'),
  nextRunAt: timestamp.nullable(),
  wakeOn: z.array(z.string()).describe('Events that make the pending step due at once'),
  scheduleVersion: z.number().int(),
  vars: z.record(z.string(), z.unknown()),
  stopReason: z.string().nullable(),
  pauseReason: z.string().nullable(),
  pausedUntil: timestamp.nullable(),
  enrolledAt: timestamp,
  lastStepAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
});

const enrollmentSchema = enrollmentSummarySchema.extend({
  timeline: z
    .array(z.object({ at: timestamp, kind: z.string(), step: z.string().nullable(), reason: z.string().nullable(), data: z.record(z.string(), z.unknown()) }))
    .describe('The latest events, oldest first (docs/schema.md: enrollment_events)'),
});

async function enrollmentOrNotFound(ctx: RuntimeCtx, id: string, timelineLimit = 50) {
  const [enrollment] = await getEnrollments(ctx, [id], { timelineLimit });
  if (!enrollment) throw notFound('enrollment', id);
  return enrollment;
}

/** One change to one enrollment: 404 when it does not exist, 409 when its state does not allow it. */
async function change(ctx: RuntimeCtx, id: string, what: EnrollmentChange) {
  const [result] = await changeEnrollments(ctx, [id], what);
  if (result.outcome === 'not_found') throw notFound('enrollment', id);
  if (result.outcome === 'unchanged') throw new ApiError(409, 'invalid_state', result.message ?? `the enrollment is ${result.status}`);
  return { body: await enrollmentOrNotFound(ctx, id) };
}

const changeRoute = <B>(action: string, summary: string, body: z.ZodType<B> | undefined, toChange: (body: B) => EnrollmentChange) =>
  route({
    method: 'post',
    path: `/enrollments/:id/${action}`,
    tag: 'enrollments',
    summary,
    params: idParams,
    body,
    response: enrollmentSchema,
    errors: [404, 409],
    async handler(ctx, { params, body: parsed }) {
      return change(ctx, params.id, toChange(parsed));
    },
  });

export const enrollmentRoutes = [
  route({
    method: 'get',
    path: '/enrollments',
    tag: 'enrollments',
    summary: 'Enrollments, newest first, filtered by sequence, status, contact or step',
    query: z.object({
      sequence: z.string().min(1).optional().describe('Sequence key'),
      status: z.enum(ENROLLMENT_STATUSES).optional(),
      contact: z.uuid({ error: 'expected a contact id (uuid)' }).optional().describe('Contact id'),
      step: z.string().min(1).optional().describe('The pending step, or the last step when none is pending'),
      ...pageQuery,
    }),
    response: pageOf(enrollmentSummarySchema),
    async handler(ctx, { query }) {
      const rows = await listEnrollments(ctx, {
        sequenceKey: query.sequence,
        status: query.status,
        contactId: query.contact,
        step: query.step,
        limit: query.limit + 1,
        after: decodeCursor(query.cursor),
      });
      const p = page(rows, query.limit, (r) => ({ at: r.sortAt, id: r.id }));
      return { body: { items: p.items.map(({ sortAt: _sortAt, ...rest }) => rest), next_cursor: p.next_cursor } };
    },
  }),
  route({
    method: 'get',
    path: '/enrollments/:id',
    tag: 'enrollments',
    summary: 'An enrollment with its timeline',
    params: idParams,
    query: z.object({ timeline: z.coerce.number().int().min(0).max(500).default(50).describe('How many recent timeline events (0–500)') }),
    response: enrollmentSchema,
    errors: [404],
    async handler(ctx, { params, query }) {
      return { body: await enrollmentOrNotFound(ctx, params.id, query.timeline) };
    },
  }),
  changeRoute(
    'pause',
    'Pause an active enrollment (its pending step is kept), optionally until a moment',
    z
      .object({
        until: z.coerce.date({ error: 'until must be an ISO date-time, e.g. "2030-01-31T09:00:00Z"' }).optional().describe('Resume by itself then'),
        reason: reasonSchema.default('manual'),
      })
      .strict()
      .default({ reason: 'manual' }),
    (b) => ({ action: 'pause', reason: b.reason, until: b.until ?? null }),
  ),
  changeRoute('resume', 'Resume a paused enrollment: a pending step still ahead keeps its time, an overdue one runs at the next working moment', undefined, () => ({ action: 'resume' })),
  changeRoute(
    'stop',
    'Stop an enrollment for good (its pending step is cancelled)',
    z.object({ reason: reasonSchema.default('manual') }).strict().default({ reason: 'manual' }),
    (b) => ({ action: 'stop', reason: b.reason }),
  ),
  changeRoute(
    'skip',
    'Skip to a step: it becomes the pending step, due now (the next working moment when outside working hours)',
    z.object({ step: stepNameSchema }).strict(),
    (b) => ({ action: 'skip', step: b.step }),
  ),
  changeRoute('retry', 'Revive a failed enrollment: its failed step is due now', undefined, () => ({ action: 'retry' })),
];
