import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod/v4';
import type { Ctx } from '../context';
import { withTransaction, type Queryable } from '../db/pool';
import { parseOrThrow, SequencerError } from './errors';
import { resumeWithCalendar } from './scheduler';
import { sequenceSettingsSchema, settingsFromRow, type SequenceSettings } from './settings';
import { sequenceSql } from './sql';
import { pauseEnrollments, stopEnrollments } from './transitions';

/**
 * Sequence definitions: key, name, settings, status and a version bumped by every change.
 *
 * Status and its enrollments (decided here, documented in docs/schema.md):
 * - `paused`: every active enrollment is paused with reason `sequence_paused` (its pending step is
 *   kept, its job cancelled), and new enrollments are created paused. Back to `active`: exactly the
 *   enrollments paused for that reason resume through the calendar; ones paused for another reason
 *   (manual, out of office) stay paused.
 * - `archived`: every live enrollment stops with reason `sequence_archived`; enrolment is refused.
 *   An archived sequence may be made active again; stopped enrollments stay stopped.
 */
export const SEQUENCE_STATUSES = ['active', 'paused', 'archived'] as const;
export type SequenceStatus = (typeof SEQUENCE_STATUSES)[number];

export interface Sequence {
  id: string;
  key: string;
  name: string;
  status: SequenceStatus;
  settings: SequenceSettings;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const sequenceKeySchema = z
  .string({ error: 'a sequence key is required, e.g. "saas-founders-q3"' })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, {
    error: 'a sequence key is 1–100 letters, digits, "_", "-", "." or ":" starting with a letter or digit, e.g. "saas-founders-q3"',
  });

export const createSequenceSchema = z
  .object({
    key: sequenceKeySchema,
    name: z.string().trim().min(1).max(200).optional(),
    status: z.enum(SEQUENCE_STATUSES).optional(),
    settings: sequenceSettingsSchema.optional(),
  })
  .strict();

/** An update replaces what it names: `settings` is the whole settings object (missing keys take their defaults). */
export const updateSequenceSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    status: z.enum(SEQUENCE_STATUSES).optional(),
    settings: sequenceSettingsSchema.optional(),
  })
  .strict();

export type CreateSequenceInput = z.input<typeof createSequenceSchema>;
export type UpdateSequenceInput = z.input<typeof updateSequenceSchema>;

interface SequenceRow {
  id: string;
  key: string;
  name: string;
  status: SequenceStatus;
  settings: unknown;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const fromRow = (r: SequenceRow): Sequence => ({
  id: r.id,
  key: r.key,
  name: r.name,
  status: r.status,
  settings: settingsFromRow(r.settings),
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Creates a sequence; `conflict` when the key exists. */
export async function createSequence(ctx: Ctx, input: CreateSequenceInput, db: Queryable = ctx.pool): Promise<Sequence> {
  const s = parseOrThrow(createSequenceSchema, input);
  const settings = s.settings ?? sequenceSettingsSchema.parse({});
  const { rows } = await db.query<SequenceRow>(sequenceSql.insert(ctx.schema), [s.key, s.name ?? s.key, s.status ?? 'active', settings]);
  if (!rows[0]) throw new SequencerError('conflict', `sequence "${s.key}" already exists: update it instead, or pick another key`);
  return fromRow(rows[0]);
}

export async function getSequence(ctx: Pick<Ctx, 'pool' | 'schema'>, key: string, db: Queryable = ctx.pool): Promise<Sequence | undefined> {
  const { rows } = await db.query<SequenceRow>(sequenceSql.byKey(ctx.schema), [key]);
  return rows[0] && fromRow(rows[0]);
}

/** The sequence or a `not_found` error that says how to create it. */
export async function requireSequence(ctx: Pick<Ctx, 'pool' | 'schema'>, key: string, db: Queryable = ctx.pool): Promise<Sequence> {
  const sequence = await getSequence(ctx, key, db);
  if (!sequence) throw new SequencerError('not_found', `sequence "${key}" does not exist: create it first (API POST /api/v1/sequences, or the Sequence Step node's enroll with settings)`);
  return sequence;
}

export async function listSequences(ctx: Ctx, filter: { status?: SequenceStatus } = {}): Promise<Sequence[]> {
  const { rows } = await ctx.pool.query<SequenceRow>(sequenceSql.list(ctx.schema), [filter.status ?? null]);
  return rows.map(fromRow);
}

/**
 * Updates name, settings and/or status in one transaction, with the status's effect on enrollments
 * (see above). The version goes up when something changed; an update that changes nothing is a no-op.
 */
export async function updateSequence(ctx: Ctx, key: string, input: UpdateSequenceInput): Promise<Sequence> {
  const patch = parseOrThrow(updateSequenceSchema, input);
  return withTransaction(ctx.pool, async (tx) => {
    const { rows } = await tx.query<SequenceRow>(sequenceSql.lockByKey(ctx.schema), [key]);
    if (!rows[0]) throw new SequencerError('not_found', `sequence "${key}" does not exist`);
    const current = fromRow(rows[0]);
    const next = { name: patch.name ?? current.name, settings: patch.settings ?? current.settings, status: patch.status ?? current.status };
    if (next.name === current.name && next.status === current.status && isDeepStrictEqual(next.settings, current.settings)) return current;
    const updated = await tx.query<SequenceRow>(sequenceSql.update(ctx.schema), [current.id, next.name, next.settings, next.status]);
    await applyStatusChange(ctx, tx, current.id, current.status, next.status);
    return fromRow(updated.rows[0]);
  });
}

/**
 * For flows that carry a sequence's definition (the Sequence Step node's enroll): creates the
 * sequence, or brings its name and settings to the given ones. Unchanged definitions cost one read.
 */
export async function ensureSequence(ctx: Ctx, input: { key: string; name?: string; settings?: unknown }): Promise<Sequence> {
  const existing = await getSequence(ctx, input.key);
  if (!existing) {
    try {
      return await createSequence(ctx, { key: input.key, name: input.name, settings: input.settings as CreateSequenceInput['settings'] });
    } catch (error) {
      // Another execution created it at the same moment: fall through to the update.
      if (!(error instanceof SequencerError && error.code === 'conflict')) throw error;
    }
  }
  const settings = input.settings === undefined ? undefined : parseOrThrow(sequenceSettingsSchema, input.settings, 'settings');
  const unchanged = existing && (input.name === undefined || input.name === existing.name) && (!settings || isDeepStrictEqual(settings, existing.settings));
  return unchanged ? existing : updateSequence(ctx, input.key, { name: input.name, settings });
}

async function applyStatusChange(ctx: Ctx, tx: Queryable, sequenceId: string, from: SequenceStatus, to: SequenceStatus): Promise<void> {
  if (from === to) return;
  const idsOf = async (statuses: string[], pauseReason: string | null = null) =>
    (await tx.query<{ id: string }>(sequenceSql.liveEnrollmentIds(ctx.schema), [sequenceId, statuses, pauseReason])).rows.map((r) => r.id);
  if (to === 'paused') await pauseEnrollments(ctx, tx, await idsOf(['active']), 'sequence_paused');
  if (to === 'archived') await stopEnrollments(ctx, tx, await idsOf(['active', 'paused']), 'sequence_archived');
  if (to === 'active' && from === 'paused') await resumeWithCalendar(ctx, tx, await idsOf(['paused'], 'sequence_paused'), 'manual');
}
