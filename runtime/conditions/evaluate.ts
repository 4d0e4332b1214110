import { DAY_MS } from '../sequences/wallclock';
import { type EventFact, type Facts, SubjectError } from './facts';
import type { Condition, ConditionGroup, ConditionResult, Evidence, FieldOperator, GroupResult, Since } from './schema';

/**
 * Evaluates conditions over one subject's facts, at instant `now`. Pure: the facts were read once
 * for the whole batch. Each result says whether it matched and shows the evidence (the events or
 * values it found), also for a negated condition, so a user sees why a branch was taken.
 */
export function evaluateGroup(facts: Facts, group: ConditionGroup, now: number): GroupResult {
  if (!facts.contact) {
    const { contactId, enrollmentId } = facts.subject;
    throw new SubjectError(contactId ? `contact ${contactId} does not exist in this schema` : `enrollment ${enrollmentId} does not exist in this schema`);
  }
  const results = group.conditions.map((c) => evaluateCondition(facts, c, now));
  const matched = group.combinator === 'all' ? results.every((r) => r.matched) : results.some((r) => r.matched);
  return { matched, results };
}

/** At most this many pieces of evidence per condition, the most recent first. */
const MAX_EVIDENCE = 5;

interface Found {
  found: boolean;
  evidence: Evidence[];
}

function evaluateCondition(facts: Facts, condition: Condition, now: number): ConditionResult {
  const { found, evidence } = find(facts, condition, now);
  return {
    condition: labelOf(condition),
    type: condition.type,
    negated: condition.negate,
    matched: condition.negate ? !found : found,
    evidence: evidence.slice(0, MAX_EVIDENCE),
  };
}

function find(facts: Facts, c: Condition, now: number): Found {
  switch (c.type) {
    case 'replied':
      return events(repliesInScope(facts, c.scope), facts, c.since, now);
    case 'invitation_accepted':
      return acceptedInvitations(facts, c.since, c.withinDays, now);
    case 'email_opened':
    case 'bounced':
      return events(ofKind(facts.events, c.type), facts, c.since, now);
    case 'link_clicked':
      return events(
        ofKind(facts.events, 'link_clicked').filter((e) => !c.urlPattern || urlMatches(e.url ?? '', c.urlPattern)),
        facts,
        c.since,
        now,
      );
    case 'unsubscribed':
      return unsubscribed(facts, c.since, now);
    case 'classified_as':
      return classifiedAs(facts, c.categories, c.since, now);
    case 'has_identity':
      return hasIdentity(facts, c.kinds);
    case 'field':
      return fieldComparison(facts, c.source, c.field, c.operator, c.value ?? null);
    case 'days_since':
      return daysSince(facts, c.from, c.operator, c.days, now);
  }
}

const ofKind = (list: EventFact[], kind: string) => list.filter((e) => e.kind === kind);

function repliesInScope(facts: Facts, scope: 'conversation' | 'contact' | 'company'): EventFact[] {
  const own = ofKind(facts.events, 'reply');
  if (scope === 'contact') return own;
  if (scope === 'company') return [...own, ...facts.colleagueReplies];
  if (!facts.subject.conversationId && !facts.enrollment) {
    throw new SubjectError('replied in "this conversation" needs a conversation: set Conversation ID or Enrollment ID');
  }
  const conversations = new Set([facts.subject.conversationId, ...facts.sent.map((m) => m.conversationId)].filter(Boolean));
  return own.filter((e) => e.conversationId && conversations.has(e.conversationId));
}

/** The instant events must be at or after; null when the since-point has not happened yet (nothing counts). */
function sinceInstant(facts: Facts, since: Since, now: number): number | null {
  switch (since.from) {
    case 'ever':
      return -Infinity;
    case 'days':
      return now - since.days * DAY_MS;
    case 'enrollment':
      return Date.parse(String(enrollmentOf(facts, 'since enrollment').enrolled_at));
    case 'step': {
      enrollmentOf(facts, `since step "${since.step}"`);
      const sent = facts.sent.find((m) => m.step === since.step);
      return sent ? Date.parse(sent.at) : null;
    }
  }
}

function enrollmentOf(facts: Facts, why: string): Record<string, unknown> {
  if (!facts.enrollment) throw new SubjectError(`${why} needs an enrollment: set Enrollment ID (a dispatched step carries enrollment.id)`);
  return facts.enrollment;
}

function events(list: EventFact[], facts: Facts, since: Since, now: number): Found {
  const from = sinceInstant(facts, since, now);
  const inRange = from === null ? [] : list.filter((e) => Date.parse(e.at) >= from);
  return { found: inRange.length > 0, evidence: newestFirst(inRange).map(evidenceOfEvent) };
}

function acceptedInvitations(facts: Facts, since: Since, withinDays: number | undefined, now: number): Found {
  const sent = ofKind(facts.events, 'invitation_sent');
  const accepted = events(ofKind(facts.events, 'invitation_accepted'), facts, since, now);
  if (withinDays === undefined) return accepted;
  const evidence = accepted.evidence.flatMap((acceptance) => {
    const at = Date.parse(acceptance.at!);
    const invitation = newestFirst(sent).find((s) => Date.parse(s.at) <= at);
    if (!invitation || at - Date.parse(invitation.at) > withinDays * DAY_MS) return [];
    return [{ ...acceptance, detail: { sentEventId: invitation.id, sentAt: invitation.at, daysToAccept: round2((at - Date.parse(invitation.at)) / DAY_MS) } }];
  });
  return { found: evidence.length > 0, evidence };
}

function unsubscribed(facts: Facts, since: Since, now: number): Found {
  const found = events(ofKind(facts.events, 'unsubscribed'), facts, since, now);
  const contact = facts.contact!;
  if (!contact.do_not_contact) return found;
  const dnc: Evidence = {
    kind: 'do_not_contact',
    at: (contact.do_not_contact_at as string | null) ?? null,
    detail: { reason: contact.do_not_contact_reason ?? null },
  };
  return { found: true, evidence: [dnc, ...found.evidence] };
}

function classifiedAs(facts: Facts, categories: string[], since: Since, now: number): Found {
  const latest = facts.latestReply;
  const from = sinceInstant(facts, since, now);
  if (!latest || from === null || Date.parse(latest.at) < from) return { found: false, evidence: [] };
  const category = typeof latest.classification?.category === 'string' ? latest.classification.category : null;
  const evidence: Evidence = {
    kind: 'reply_classification',
    at: latest.at,
    messageId: latest.messageId,
    channel: latest.channel ?? null,
    detail: { category, confidence: latest.classification?.confidence ?? null },
  };
  return { found: category !== null && categories.includes(category), evidence: [evidence] };
}

const IDENTITY_KINDS_OF: Record<string, string[]> = {
  linkedin: ['linkedin', 'linkedin_public'],
  phone: ['phone', 'whatsapp'],
  whatsapp: ['whatsapp', 'phone'],
};

function hasIdentity(facts: Facts, kinds: string[]): Found {
  const wanted = new Set(kinds.flatMap((k) => IDENTITY_KINDS_OF[k] ?? [k]));
  const present = facts.identityKinds.filter((k) => wanted.has(k));
  return { found: present.length > 0, evidence: [{ kind: 'identity', at: null, detail: { kinds: present } }] };
}

function fieldComparison(
  facts: Facts,
  source: 'enrollment' | 'contact',
  field: string,
  operator: FieldOperator,
  expected: string | number | boolean | null,
): Found {
  const row = source === 'enrollment' ? enrollmentOf(facts, `enrollment field "${field}"`) : facts.contact!;
  const actual = valueAt(row, field, source === 'enrollment' ? 'vars' : 'attributes');
  return { found: compare(actual, operator, expected), evidence: [{ kind: 'field', at: null, detail: { source, field, value: actual ?? null } }] };
}

/** `a.b.c` in the row; a first segment that is not a column is read from the row's free-form object. */
function valueAt(row: Record<string, unknown>, path: string, freeForm: string): unknown {
  const parts = path.split('.');
  const start: unknown = parts[0] in row ? row : row[freeForm];
  return parts.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), start);
}

function compare(actual: unknown, operator: FieldOperator, expected: string | number | boolean | null): boolean {
  const present = actual !== undefined && actual !== null && actual !== '';
  if (operator === 'exists') return present;
  if (operator === 'notExists') return !present;
  if (!present) return operator === 'notEquals' || operator === 'notContains';
  const a = normalized(actual);
  const b = normalized(expected);
  switch (operator) {
    case 'equals':
      return a === b;
    case 'notEquals':
      return a !== b;
    case 'contains':
      return String(a).includes(String(b));
    case 'notContains':
      return !String(a).includes(String(b));
    case 'startsWith':
      return String(a).startsWith(String(b));
    case 'in':
      return String(expected ?? '')
        .split(',')
        .map((v) => normalized(v.trim()))
        .includes(a);
    default:
      return ordered(actual, operator, expected);
  }
}

/** Strings compare case-insensitively; numbers and booleans written as text compare as what they are. */
function normalized(v: unknown): string | number | boolean {
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  const s = typeof v === 'string' ? v.trim() : JSON.stringify(v);
  if (s !== '' && !Number.isNaN(Number(s))) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  return s.toLowerCase();
}

/** gt/gte/lt/lte on numbers, or on dates when both sides read as dates. */
function ordered(actual: unknown, operator: 'gt' | 'gte' | 'lt' | 'lte' | string, expected: unknown): boolean {
  const [a, b] = [normalized(actual), normalized(expected)];
  const pair: [number, number] | null = typeof a === 'number' && typeof b === 'number' ? [a, b] : bothDates(actual, expected);
  if (!pair) return false;
  const [x, y] = pair;
  return operator === 'gt' ? x > y : operator === 'gte' ? x >= y : operator === 'lt' ? x < y : x <= y;
}

function bothDates(a: unknown, b: unknown): [number, number] | null {
  const [x, y] = [Date.parse(String(a)), Date.parse(String(b))];
  return Number.isNaN(x) || Number.isNaN(y) ? null : [x, y];
}

function daysSince(facts: Facts, from: 'enrolled' | 'last_touch', operator: 'gt' | 'gte' | 'lt' | 'lte', days: number, now: number): Found {
  const at =
    from === 'enrolled'
      ? String(enrollmentOf(facts, 'days since enrolled').enrolled_at)
      : (facts.lastTouch?.at ?? (facts.enrollment?.last_step_at as string | null | undefined) ?? null);
  if (!at) return { found: false, evidence: [] };
  const elapsed = (now - Date.parse(at)) / DAY_MS;
  const evidence: Evidence = {
    kind: from,
    at,
    ...(from === 'last_touch' && facts.lastTouch ? { messageId: facts.lastTouch.messageId } : {}),
    detail: { days: round2(elapsed) },
  };
  return { found: ordered(elapsed, operator, days), evidence: [evidence] };
}

/** Substring, or a glob where `*` stands for anything; case-insensitive. */
function urlMatches(url: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const u = url.toLowerCase();
  if (!p.includes('*')) return u.includes(p);
  const regex = new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(u);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const round2 = (n: number) => Math.round(n * 100) / 100;
/** Each time parsed once, not once per comparison. */
const newestFirst = <T extends { at: string }>(list: T[]) =>
  list
    .map((item) => ({ item, t: Date.parse(item.at) }))
    .sort((a, b) => b.t - a.t)
    .map(({ item }) => item);

function evidenceOfEvent(e: EventFact): Evidence {
  return {
    kind: e.kind,
    at: new Date(e.at).toISOString(),
    eventId: e.id,
    channel: e.channel,
    contactId: e.contactId,
    ...(e.url ? { detail: { url: e.url } } : {}),
  };
}

export function labelOf(c: Condition): string {
  const not = c.negate ? 'not ' : '';
  const sinceLabel = 'since' in c ? sinceText(c.since) : '';
  switch (c.type) {
    case 'replied':
      return `${not}replied (${c.scope}${sinceLabel})`;
    case 'invitation_accepted':
      return `${not}invitation accepted${c.withinDays ? ` within ${c.withinDays} days of sending` : ''}${sinceLabel ? ` (${sinceLabel.slice(2)})` : ''}`;
    case 'link_clicked':
      return `${not}link clicked${c.urlPattern ? ` matching "${c.urlPattern}"` : ''}${sinceLabel ? ` (${sinceLabel.slice(2)})` : ''}`;
    case 'classified_as':
      return `${not}latest reply classified as ${c.categories.join(' or ')}`;
    case 'has_identity':
      return `${not}has identity ${c.kinds.join(' or ')}`;
    case 'field':
      return `${not}${c.source}.${c.field} ${c.operator}${c.value === undefined || c.value === null ? '' : ` ${JSON.stringify(c.value)}`}`;
    case 'days_since':
      return `${not}days since ${c.from.replace('_', ' ')} ${c.operator} ${c.days}`;
    default:
      return `${not}${c.type.replace('_', ' ')}${sinceLabel ? ` (${sinceLabel.slice(2)})` : ''}`;
  }
}

function sinceText(since: Since): string {
  switch (since.from) {
    case 'ever':
      return '';
    case 'enrollment':
      return ', since enrollment';
    case 'step':
      return `, since step ${since.step}`;
    case 'days':
      return `, within ${since.days} days`;
  }
}
