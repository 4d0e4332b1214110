import { DateTime } from 'luxon';
import type { Ctx } from '../context';
import type { Queryable } from '../db/pool';
import { calendarFor } from '../sequences/calendar';
import { settingsFromRow } from '../sequences/settings';
import { pauseEnrollments } from '../sequences/transitions';
import { classifySql } from './sql';

/**
 * An out-of-office notice with a return date pauses the person's active enrollments until then
 * (`out_of_office`, with the engine's resume timer). Both the ingest (rules, when the notice is
 * stored) and the AI Classify write-back (rules or model, later) call this: an enrollment already
 * paused for an out-of-office is reported with its resume time and left alone, so the same notice
 * never pauses twice.
 */
export interface AwayNotice {
  contactId: string;
  /** `YYYY-MM-DD`, as `Classification.oooReturnDate`. */
  returnDate: string;
}

export interface AwayPause {
  enrollmentId: string;
  sequenceId: string;
  contactId: string;
  step: string | null;
  until: Date;
}

interface Candidate {
  id: string;
  sequence_id: string;
  contact_id: string;
  status: 'active' | 'paused';
  next_step: string | null;
  current_step: string | null;
  paused_until: Date | null;
  settings: unknown;
  contact_timezone: string | null;
}

/** Pauses (or finds paused) each contact's enrollments until its return; what is paused, per contact. */
export async function pauseUntilReturn(ctx: Ctx, tx: Queryable, notices: AwayNotice[], data: Record<string, unknown>): Promise<Map<string, AwayPause[]>> {
  const out = new Map<string, AwayPause[]>();
  if (notices.length === 0) return out;
  // One notice per contact: the latest return date.
  const returnOf = new Map<string, string>();
  for (const n of notices) if ((returnOf.get(n.contactId) ?? '') < n.returnDate) returnOf.set(n.contactId, n.returnDate);
  const { rows } = await tx.query<Candidate>(classifySql.awayCandidates(ctx.schema), [[...returnOf.keys()]]);

  const now = Date.now();
  const report = (e: Candidate, until: Date) =>
    out.set(e.contact_id, [...(out.get(e.contact_id) ?? []), { enrollmentId: e.id, sequenceId: e.sequence_id, contactId: e.contact_id, step: e.next_step ?? e.current_step, until }]);
  const groups = new Map<number, Candidate[]>();
  for (const e of rows) {
    if (e.status === 'paused') {
      if (e.paused_until && e.paused_until.getTime() > now) report(e, e.paused_until);
      continue;
    }
    const until = resumeAt(returnOf.get(e.contact_id)!, e.settings, e.contact_timezone)?.getTime();
    if (until && until > now) groups.set(until, [...(groups.get(until) ?? []), e]);
  }
  for (const [until, candidates] of groups) {
    const paused = new Set((await pauseEnrollments(ctx, tx, candidates.map((e) => e.id), 'out_of_office', new Date(until), data)).map((r) => r.id));
    for (const e of candidates) if (paused.has(e.id)) report(e, new Date(until));
  }
  return out;
}

/**
 * When a paused enrollment resumes: the first working moment of the return day in its sequence's
 * calendar (its time zone, or the contact's when the sequence uses contact time zones). A sequence
 * with default settings opens at 09:00 UTC, Monday to Friday. A return day already over: null.
 */
function resumeAt(returnDate: string, settings: unknown, contactTimezone: string | null): Date | null {
  const calendar = calendarFor(settingsFromRow(settings), contactTimezone);
  const day = DateTime.fromISO(returnDate, { zone: calendar.timezone });
  if (!day.isValid || day.endOf('day').toMillis() < Date.now()) return null;
  return calendar.nextWorkingInstant(day.startOf('day').toJSDate());
}
