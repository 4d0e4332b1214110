import type { Ctx } from '../context';
import { isUuid } from '../db/uuid';
import type { Condition, Subject } from './schema';
import { conditionSql } from './sql';

/** What the schema recorded about one subject, as the conditions read it. Times are ISO strings. */
export interface EventFact {
  id: string;
  kind: string;
  at: string;
  channel: string | null;
  conversationId: string | null;
  contactId: string;
  accountId: string | null;
  /** The clicked link (`link_clicked`); null for other kinds. */
  url: string | null;
}

export interface MessageFact {
  messageId: string;
  at: string;
  channel?: string | null;
  step?: string | null;
  conversationId?: string | null;
  classification?: Record<string, unknown> | null;
}

/** What one subject's conditions read. Facts no condition of the batch asks are left empty (`needsOf`). */
export interface Facts {
  subject: Subject;
  /** The `enrollments` row as JSON, or null without an enrollment. */
  enrollment: Record<string, unknown> | null;
  /** The `contacts` row as JSON; null when the subject names no existing contact. */
  contact: Record<string, unknown> | null;
  identityKinds: string[];
  /** The contact's engagement events of the kinds in play, oldest first. */
  events: EventFact[];
  /** Replies of other contacts with the same company domain (only when a company scope is asked). */
  colleagueReplies: EventFact[];
  /** The enrollment's outbound messages, oldest first. */
  sent: MessageFact[];
  latestReply: MessageFact | null;
  lastTouch: MessageFact | null;
}

const KINDS_OF: Partial<Record<Condition['type'], string[]>> = {
  replied: ['reply'],
  invitation_accepted: ['invitation_accepted', 'invitation_sent'],
  email_opened: ['email_opened'],
  link_clicked: ['link_clicked'],
  bounced: ['bounced'],
  unsubscribed: ['unsubscribed'],
};

export class SubjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubjectError';
  }
}

/** Refuses a subject the schema cannot know, naming the field to fix. */
export function assertSubject(subject: Subject): void {
  if (!subject.contactId && !subject.enrollmentId)
    throw new SubjectError('no contact: set Contact ID or Enrollment ID (a dispatched step carries enrollment.id)');
  for (const key of ['contactId', 'enrollmentId', 'conversationId'] as const) {
    const value = subject[key];
    if (value && !isUuid(value)) throw new SubjectError(`${key} "${value}" is not a UUID: map the Sequencer id, not a UniPile id`);
  }
}

/** Which facts the conditions read (evaluate.ts): only those are computed. */
function needsOf(conditions: Condition[]) {
  const any = (test: (c: Condition) => boolean) => conditions.some(test);
  return {
    kinds: [...new Set(conditions.flatMap((c) => KINDS_OF[c.type] ?? []))],
    colleagueReplies: any((c) => c.type === 'replied' && c.scope === 'company'),
    identityKinds: any((c) => c.type === 'has_identity'),
    sent: any((c) => (c.type === 'replied' && c.scope === 'conversation') || ('since' in c && c.since.from === 'step')),
    latestReply: any((c) => c.type === 'classified_as'),
    lastTouch: any((c) => c.type === 'days_since' && c.from === 'last_touch'),
  };
}

/** The facts of every subject in one statement, for the conditions asked. Subjects must pass `assertSubject`. */
export async function loadFacts(ctx: Ctx, subjects: Subject[], conditions: Condition[]): Promise<Facts[]> {
  if (subjects.length === 0) return [];
  const needs = needsOf(conditions);
  const { rows } = await ctx.pool.query<{
    enrollment: Record<string, unknown> | null;
    contact: Record<string, unknown> | null;
    identity_kinds: string[];
    events: EventFact[];
    colleague_replies: EventFact[];
    sent: MessageFact[];
    latest_reply: MessageFact | null;
    last_touch: MessageFact | null;
  }>(conditionSql.facts(ctx.schema), [
    subjects.map((s) => s.contactId || null),
    subjects.map((s) => s.enrollmentId || null),
    needs.kinds,
    needs.colleagueReplies,
    needs.identityKinds,
    needs.sent,
    needs.latestReply,
    needs.lastTouch,
  ]);
  return rows.map((r, i) => ({
    subject: subjects[i],
    enrollment: r.enrollment,
    contact: r.contact,
    identityKinds: r.identity_kinds,
    events: r.events,
    colleagueReplies: r.colleague_replies,
    sent: r.sent,
    latestReply: r.latest_reply,
    lastTouch: r.last_touch,
  }));
}
