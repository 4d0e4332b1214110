import { DateTime } from 'luxon';
import { z } from 'zod/v4';
import { contactSql } from '../contacts/sql';
import type { Ctx } from '../context';
import { calendarFor, type Calendar } from './calendar';
import type { Delay } from './delay';
import { requireSequence } from './definitions';
import { readContact } from './enroll';
import { parseOrThrow, SequencerError } from './errors';
import type { ReasonCode } from './reasons';
import { simulateSql } from './sql';
import { jitterKeyOf, NEXT_WORKING_MOMENT, stepDefinitionSchema, type StepDefinition } from './steps';

/**
 * `simulate`: when each step of a sequence would run for one contact, from a given moment, with the
 * same calendar, jitter and known account limits as the real run — without sending or scheduling
 * anything. Steps come from the request or from the sequence's `settings.steps`; each step's delay
 * counts from the step before (the first from `from`), as in the real run.
 *
 * Jitter is a function of (enrollment, step): for a contact with a live enrollment in the sequence
 * the simulation uses that enrollment and matches the real run exactly; otherwise a stand-in key is
 * used (`jitterExact: false`), so the times may move by up to `jitterMinutes` once enrolled.
 * Limits: for steps that name their Rate Gate `action`, the account's known spacing and cooldown
 * (`rate_state`) push a step later; caps that depend on future traffic are not predicted.
 */
export const simulateInputSchema = z
  .object({
    sequenceKey: z.string().min(1, { error: 'sequenceKey is required' }),
    /** The contact as the enrolment API takes it (matched through the identity graph), or its id. */
    contact: z.record(z.string(), z.unknown()).optional(),
    contactId: z.uuid({ error: 'contactId must be a contact id (a UUID)' }).optional(),
    from: z.coerce.date({ error: 'from must be an ISO date-time, e.g. "2030-03-15T18:30:00Z"' }).optional(),
    accountId: z.string().min(1).optional(),
    steps: z.array(stepDefinitionSchema).min(1).optional(),
  })
  .strict();

export type SimulateInput = z.input<typeof simulateInputSchema>;

export interface SimulatedStep {
  name: string;
  delay: Delay;
  /** When the step would be due. */
  at: Date;
  /** The same instant on the calendar's wall clock, e.g. "Mon 2030-03-18 09:00 America/New_York". */
  local: string;
  wakeOn: string[];
  /** Why the time is what it is, beyond the delay: jitter, a limit (with its reason code). */
  notes: { reason?: ReasonCode; message: string }[];
}

export interface Simulation {
  sequence: { key: string; version: number; status: string };
  contactId: string | null;
  timezone: string;
  from: Date;
  enrollmentId: string | null;
  jitterExact: boolean;
  steps: SimulatedStep[];
}

export async function simulate(ctx: Pick<Ctx, 'pool' | 'schema'>, input: SimulateInput): Promise<Simulation> {
  const request = parseOrThrow(simulateInputSchema, input);
  const sequence = await requireSequence(ctx, request.sequenceKey);
  const steps: StepDefinition[] | undefined = request.steps ?? sequence.settings.steps;
  if (!steps?.length) {
    throw new SequencerError('validation_failed', `sequence "${sequence.key}" lists no steps: pass steps [{ name, delay }] or define settings.steps on the sequence`, [
      { field: 'steps', message: 'required when the sequence has no settings.steps' },
    ]);
  }
  const contact = await findContact(ctx, request);
  const { rows: live } = contact.id
    ? await ctx.pool.query<{ id: string; account_id: string | null }>(simulateSql.liveEnrollment(ctx.schema), [sequence.id, contact.id])
    : { rows: [] };
  const enrollmentId = live[0]?.id ?? null;
  const jitterBase = enrollmentId ?? `simulation:${sequence.key}:${contact.id ?? contact.key}`;
  const calendar = calendarFor(sequence.settings, contact.timezone);
  const accountId = request.accountId ?? live[0]?.account_id ?? null;
  const limits = accountId ? await knownLimits(ctx, accountId) : new Map<string, AccountLimit>();

  const from = request.from ?? new Date();
  let previous = from;
  const timeline = steps.map((step): SimulatedStep => {
    const delay = step.delay ?? NEXT_WORKING_MOMENT;
    const key = jitterKeyOf(jitterBase, step.name);
    const plain = calendar.add(previous, delay);
    let at = calendar.add(previous, delay, key);
    const notes: SimulatedStep['notes'] = [];
    if (at.getTime() !== plain.getTime()) notes.push({ message: `jitter: +${Math.round((at.getTime() - plain.getTime()) / 60_000)} min` });
    const limit = step.action ? limits.get(step.action) : undefined;
    if (limit && limit.until > at) {
      at = calendar.add(limit.until, NEXT_WORKING_MOMENT, key);
      notes.push({ reason: limit.reason, message: `account ${accountId} may not ${step.action} before ${limit.until.toISOString()} (${limit.reason})` });
    }
    previous = at;
    return { name: step.name, delay, at, local: wallClock(calendar, at), wakeOn: step.wakeOn ?? [], notes };
  });
  return {
    sequence: { key: sequence.key, version: sequence.version, status: sequence.status },
    contactId: contact.id,
    timezone: calendar.timezone,
    from,
    enrollmentId,
    jitterExact: enrollmentId !== null || sequence.settings.jitterMinutes === 0,
    steps: timeline,
  };
}

/** The contact's id (when known) and zone: the given zone wins over the stored one. */
async function findContact(ctx: Pick<Ctx, 'pool' | 'schema'>, request: z.infer<typeof simulateInputSchema>) {
  if (request.contactId) {
    const { rows } = await ctx.pool.query<{ id: string; timezone: string | null }>(simulateSql.contactZone(ctx.schema), [request.contactId]);
    if (!rows[0]) throw new SequencerError('not_found', `contact ${request.contactId} does not exist`);
    return { id: rows[0].id, timezone: rows[0].timezone, key: rows[0].id };
  }
  if (!request.contact) return { id: null, timezone: null, key: 'anyone' };
  const read = readContact(request.contact);
  if ('problems' in read) {
    const details = read.problems.map((p) => ({ field: p.field ? `contact.${p.field}` : 'contact', message: p.message }));
    throw new SequencerError('validation_failed', `${details[0].field}: ${details[0].message}`, details);
  }
  const { identities } = read.contact;
  const { rows } = await ctx.pool.query<{ contact_id: string }>(contactSql.ownersOf(ctx.schema), [identities.map((i) => i.kind), identities.map((i) => i.value)]);
  const id = rows[0]?.contact_id ?? null;
  const stored = id ? (await ctx.pool.query<{ timezone: string | null }>(simulateSql.contactZone(ctx.schema), [id])).rows[0]?.timezone : null;
  return { id, timezone: read.contact.timezone ?? stored ?? null, key: `${identities[0].kind}:${identities[0].value}` };
}

interface AccountLimit {
  until: Date;
  reason: ReasonCode;
}

/** Per action, the latest of the account's next allowed time (spacing) and cooldown. */
async function knownLimits(ctx: Pick<Ctx, 'pool' | 'schema'>, accountId: string): Promise<Map<string, AccountLimit>> {
  const { rows } = await ctx.pool.query<{ action: string; next_allowed_at: Date | null; cooldown_until: Date | null }>(simulateSql.rateState(ctx.schema), [accountId]);
  const limits = new Map<string, AccountLimit>();
  for (const r of rows) {
    const cooldown = r.cooldown_until && (!r.next_allowed_at || r.cooldown_until >= r.next_allowed_at);
    const until = cooldown ? r.cooldown_until : r.next_allowed_at;
    if (until) limits.set(r.action, { until, reason: cooldown ? 'cooldown' : 'min_spacing' });
  }
  return limits;
}

function wallClock(calendar: Calendar, at: Date): string {
  return `${DateTime.fromJSDate(at, { zone: calendar.timezone }).toFormat('ccc yyyy-LL-dd HH:mm')} ${calendar.timezone}`;
}
