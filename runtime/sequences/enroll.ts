import { randomUUID } from 'node:crypto';
import { z } from 'zod/v4';
import { contactFieldsSchema, toContactInput } from '../contacts/input';
import { upsertContacts, type ContactInput } from '../contacts/upsert';
import type { Ctx } from '../context';
import { withTransaction, type Queryable } from '../db/pool';
import { calendarFor, type Calendar } from './calendar';
import { requireSequence } from './definitions';
import { fieldProblems, parseOrThrow, SequencerError, type FieldProblem } from './errors';
import { enrollSql } from './sql';
import { DEFAULT_FIRST_STEP, jitterKeyOf, NEXT_WORKING_MOMENT, stepDefinitionOf, stepNameSchema } from './steps';
import { analyzeJobTable, enqueueStepJobs } from './timers';
import { recordEvents } from './transitions';

/**
 * Bulk enrolment (DESIGN §4 `POST /sequences/:key/enrollments`): one result per contact, in input
 * order, in a few statements for the whole batch. Contacts are found or created through the identity
 * graph; a contact already in the sequence is not enrolled twice; do-not-contact and recent repliers
 * are skipped; a bad contact is `invalid` with the field named, and never fails the batch.
 */
export const MAX_ENROLL_BATCH = 10_000;
/**
 * After this many new enrollments, the planner's statistics of pg-boss's job table and of the
 * enrollments are refreshed (reference pg-boss-12 §9): the dispatcher claims these rows soon, and
 * plans made from the statistics of a much smaller table scan it whole for every batch.
 */
const ANALYZE_AFTER = 1_000;

/** A contact of the enrolment API: the one contact shape (runtime/contacts/input.ts) plus its own `vars`. */
export const enrollmentContactSchema = contactFieldsSchema
  .extend({
    /** Per-contact variables, merged over the batch's `vars`. */
    vars: z.record(z.string(), z.unknown()).nullish(),
  })
  .strict();

export type EnrollmentContact = z.input<typeof enrollmentContactSchema>;

export const enrollOptionsSchema = z
  .object({
    sequenceKey: z.string().min(1, { error: 'sequenceKey is required' }),
    contacts: z
      .array(z.unknown())
      .min(1, { error: 'contacts must list at least one contact' })
      .max(MAX_ENROLL_BATCH, { error: `at most ${MAX_ENROLL_BATCH} contacts per call: split the list` }),
    accountId: z.string().trim().min(1).nullish(),
    startStep: stepNameSchema.nullish(),
    startAt: z.coerce.date({ error: 'startAt must be an ISO date-time, e.g. "2030-01-31T09:00:00Z"' }).nullish(),
    vars: z.record(z.string(), z.unknown()).nullish(),
    /** Allow a contact whose earlier enrollment in this sequence has finished to be enrolled again (default: no). */
    reenroll: z.boolean().optional(),
  })
  .strict();

export type EnrollOptions = z.input<typeof enrollOptionsSchema>;

export const ENROLL_OUTCOMES = ['enrolled', 'already_enrolled', 'skipped_do_not_contact', 'skipped_replied_recently', 'invalid'] as const;
export type EnrollOutcome = (typeof ENROLL_OUTCOMES)[number];

export interface EnrollResult {
  index: number;
  contactId: string | null;
  enrollmentId: string | null;
  outcome: EnrollOutcome;
  /** For `enrolled`: when the first step is due (absent while the sequence is paused). */
  runAt?: Date | null;
  /** For `invalid`: which field is wrong and how. */
  details?: FieldProblem[];
}

/** Normalized identities and profile of one input contact, or what is wrong with it (fields relative to the contact). */
export function readContact(raw: unknown): { contact: ContactInput; vars: Record<string, unknown> } | { problems: FieldProblem[] } {
  const parsed = enrollmentContactSchema.safeParse(raw);
  if (!parsed.success) return { problems: fieldProblems(parsed.error) };
  const { vars, ...fields } = parsed.data;
  const mapped = toContactInput(fields);
  return mapped.ok ? { contact: mapped.input, vars: vars ?? {} } : { problems: mapped.problems };
}

interface Candidate {
  index: number;
  contactId: string;
  vars: Record<string, unknown>;
}

export async function enroll(ctx: Ctx, input: EnrollOptions): Promise<EnrollResult[]> {
  const options = parseOrThrow(enrollOptionsSchema, input);
  const sequence = await requireSequence(ctx, options.sequenceKey);
  if (sequence.status === 'archived') {
    throw new SequencerError('invalid_state', `sequence "${sequence.key}" is archived: make it active again before enrolling`);
  }
  const settings = sequence.settings;
  const startStep = options.startStep ?? settings.steps?.[0]?.name ?? DEFAULT_FIRST_STEP;
  const firstDelay = stepDefinitionOf(settings.steps, startStep)?.delay ?? NEXT_WORKING_MOMENT;
  const startFrom = options.startAt ?? new Date();
  const live = sequence.status === 'active';

  const results: EnrollResult[] = new Array(options.contacts.length);
  const valid: { index: number; contact: ContactInput; vars: Record<string, unknown> }[] = [];
  options.contacts.forEach((raw, index) => {
    const read = readContact(raw);
    if ('problems' in read) {
      results[index] = {
        index,
        contactId: null,
        enrollmentId: null,
        outcome: 'invalid',
        details: read.problems.map((p) => ({ field: p.field ? `contacts.${index}.${p.field}` : `contacts.${index}`, message: p.message })),
      };
    } else valid.push({ index, ...read });
  });

  const inserted = await withTransaction(ctx.pool, async (tx) => {
    if (options.accountId) await tx.query(enrollSql.ensureAccount(ctx.schema), [options.accountId]);
    const matches = await upsertContacts(
      tx,
      ctx.schema,
      valid.map((v) => v.contact),
    );
    const contactIds = [...new Set(matches.map((m) => m.contactId))];
    const { rows: screened } = await tx.query<{ id: string; do_not_contact: boolean; timezone: string | null; replied_recently: boolean; enrollment_id: string | null }>(
      enrollSql.screen(ctx.schema),
      [contactIds, sequence.id, settings.skipIfRepliedWithinDays > 0 ? settings.skipIfRepliedWithinDays : null, options.reenroll ?? false],
    );
    const screen = new Map(screened.map((r) => [r.id, r]));

    // The first occurrence of each contact decides; later duplicates in the batch follow it (below).
    const firstIndexOf = new Map<string, number>();
    const candidates: Candidate[] = [];
    valid.forEach((v, i) => {
      const contactId = matches[i].contactId;
      if (firstIndexOf.has(contactId)) return;
      firstIndexOf.set(contactId, v.index);
      const s = screen.get(contactId)!;
      const base = { index: v.index, contactId };
      if (s.enrollment_id) results[v.index] = { ...base, enrollmentId: s.enrollment_id, outcome: 'already_enrolled' };
      else if (s.do_not_contact) results[v.index] = { ...base, enrollmentId: null, outcome: 'skipped_do_not_contact' };
      else if (s.replied_recently) results[v.index] = { ...base, enrollmentId: null, outcome: 'skipped_replied_recently' };
      else {
        results[v.index] = { ...base, enrollmentId: randomUUID(), outcome: 'enrolled' };
        candidates.push({ index: v.index, contactId, vars: { ...(options.vars ?? {}), ...v.vars } });
      }
    });

    const calendars = new Map<string, Calendar>();
    const calendarOf = (zone: string | null) => {
      const key = settings.useContactTimezone ? (zone ?? '') : '';
      let calendar = calendars.get(key);
      if (!calendar) calendars.set(key, (calendar = calendarFor(settings, zone)));
      return calendar;
    };
    const runAts = candidates.map((c) => {
      const enrollmentId = results[c.index].enrollmentId!;
      return calendarOf(screen.get(c.contactId)!.timezone).add(startFrom, firstDelay, jitterKeyOf(enrollmentId, startStep));
    });
    const { rows } = await tx.query<{ id: string }>(enrollSql.insert(ctx.schema), [
      candidates.map((c) => results[c.index].enrollmentId),
      sequence.id,
      options.accountId ?? null,
      live ? 'active' : 'paused',
      live ? null : 'sequence_paused',
      startStep,
      candidates.map((c) => c.contactId),
      runAts,
      candidates.map((c) => JSON.stringify(c.vars)),
    ]);
    const created = new Set(rows.map((r) => r.id));
    const createdAt = new Map<string, Date>();
    candidates.forEach((c, i) => {
      const result = results[c.index];
      if (created.has(result.enrollmentId!)) {
        createdAt.set(result.enrollmentId!, runAts[i]);
        result.runAt = live ? runAts[i] : null;
      }
    });
    await adoptConcurrentEnrollments(ctx, tx, sequence.id, candidates, results, created);
    valid.forEach((v, i) => {
      const first = results[firstIndexOf.get(matches[i].contactId)!];
      if (first.index !== v.index) {
        results[v.index] = { index: v.index, contactId: first.contactId, enrollmentId: first.enrollmentId, outcome: first.outcome === 'enrolled' ? 'already_enrolled' : first.outcome };
      }
    });

    const fresh = [...createdAt.entries()];
    if (live) await enqueueStepJobs(ctx, tx, fresh.map(([enrollmentId, runAt]) => ({ enrollmentId, step: startStep, version: 1, runAt })));
    await recordEvents(
      tx,
      ctx.schema,
      fresh.map(([enrollmentId, runAt]) => ({
        enrollmentId,
        kind: 'enrolled',
        step: startStep,
        reason: live ? null : 'sequence_paused',
        data: live ? { runAt, sequenceVersion: sequence.version } : { runAt, sequenceVersion: sequence.version, pending: 'the sequence is paused' },
      })),
    );
    return fresh.length;
  });
  if (inserted >= ANALYZE_AFTER) await Promise.all([analyzeJobTable(ctx), ctx.pool.query(enrollSql.analyze(ctx.schema))]);
  return results;
}

/** Candidates another transaction enrolled first: they are already enrolled, in that enrollment. */
async function adoptConcurrentEnrollments(
  ctx: Ctx,
  tx: Queryable,
  sequenceId: string,
  candidates: Candidate[],
  results: EnrollResult[],
  created: Set<string>,
): Promise<void> {
  const lost = candidates.filter((c) => !created.has(results[c.index].enrollmentId!));
  if (lost.length === 0) return;
  const { rows } = await tx.query<{ id: string; contact_id: string }>(enrollSql.liveFor(ctx.schema), [sequenceId, lost.map((c) => c.contactId)]);
  const winner = new Map(rows.map((r) => [r.contact_id, r.id]));
  for (const c of lost) {
    results[c.index] = { index: c.index, contactId: c.contactId, enrollmentId: winner.get(c.contactId) ?? null, outcome: 'already_enrolled' };
  }
}
