import { randomUUID } from 'node:crypto';
import { type ConditionGroupInput, conditionGroupSchema, type ConditionInput, evaluateConditions, type Subject } from '../../runtime/conditions';
import { upsertContacts } from '../../runtime/contacts/upsert';
import type { Identity } from '../../runtime/contacts/identity';
import { openTestDb, type TestDb } from '../support/db';

/**
 * A small recorded history, as ingest and UniPile Send leave it: Jane is enrolled in a LinkedIn
 * sequence (known by her LinkedIn id), was invited and messaged, and later answered by email —
 * ingest found her through the identity graph.
 */
let db: TestDb;
const NOW = new Date('2026-05-20T12:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

const ids = {} as Record<'jane' | 'bob' | 'dan' | 'eve' | 'olga', string> & Record<'janeEnrollment' | 'bobEnrollment' | 'linkedinChat' | 'emailThread', string>;
const evidence = {} as Record<string, string>;

const sql = (text: string, values: unknown[] = []) => db.pool.query(text.replaceAll('$schema', `"${db.schema}"`), values);

async function contact(identities: Identity[], extra: { title?: string; attributes?: Record<string, unknown>; companyDomain?: string } = {}) {
  const [m] = await upsertContacts(db.pool, db.schema, [{ identities, ...extra }]);
  return m.contactId;
}

async function event(contactId: string, kind: string, at: Date, extra: { channel?: string; conversationId?: string; data?: Record<string, unknown> } = {}) {
  const { rows } = await sql(
    `INSERT INTO $schema.engagement_events (contact_id, account_id, conversation_id, channel, kind, occurred_at, source_key, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      contactId,
      extra.channel === 'email' ? 'acct_mail' : 'acct_li',
      extra.conversationId ?? null,
      extra.channel ?? 'linkedin',
      kind,
      at,
      randomUUID(),
      extra.data ?? {},
    ],
  );
  return rows[0].id as string;
}

async function message(m: {
  contactId: string;
  direction: 'in' | 'out';
  at: Date;
  conversationId: string;
  enrollmentId?: string;
  step?: string;
  classification?: unknown;
  channel?: string;
}) {
  const { rows } = await sql(
    `INSERT INTO $schema.messages (account_id, conversation_id, contact_id, provider_message_id, channel, direction, sent_at, status, enrollment_id, step, classification)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [
      m.channel === 'email' ? 'acct_mail' : 'acct_li',
      m.conversationId,
      m.contactId,
      randomUUID(),
      m.channel ?? 'linkedin',
      m.direction,
      m.at,
      m.direction === 'in' ? 'received' : 'sent',
      m.enrollmentId ?? null,
      m.step ?? null,
      m.classification === undefined ? null : JSON.stringify(m.classification),
    ],
  );
  return rows[0].id as string;
}

beforeAll(async () => {
  db = await openTestDb();
  await sql(`INSERT INTO $schema.accounts (id, provider) VALUES ('acct_li', 'LINKEDIN'), ('acct_mail', 'MAIL')`);
  const { rows } = await sql(`INSERT INTO $schema.sequences (key, name) VALUES ('li-outreach', 'LinkedIn outreach') RETURNING id`);
  const sequenceId = rows[0].id;

  ids.jane = await contact([{ kind: 'linkedin', value: 'ACoAAJane' }], { title: 'Head of Sales', attributes: { employees: 250, industry: 'SaaS' } });
  ids.bob = await contact([{ kind: 'linkedin', value: 'ACoAABob' }], { attributes: { employees: 12 } });
  ids.dan = await contact([{ kind: 'email', value: 'dan@acme.io' }]);
  ids.eve = await contact([
    { kind: 'email', value: 'eve@globex.com' },
    { kind: 'whatsapp', value: '+14155550123' },
  ]);
  ids.olga = await contact([{ kind: 'email', value: 'olga@initech.com' }]);
  // Jane writes from her work email later: ingest resolves her LinkedIn and email to one contact.
  expect(
    await contact([
      { kind: 'email', value: 'jane@acme.io' },
      { kind: 'linkedin', value: 'ACoAAJane' },
    ]),
  ).toBe(ids.jane);
  await sql(`UPDATE $schema.contacts SET company_domain = 'acme.io' WHERE id = $1`, [ids.jane]);

  const enroll = async (contactId: string, enrolledAt: Date, vars: Record<string, unknown>) =>
    (
      await sql(
        `INSERT INTO $schema.enrollments (sequence_id, contact_id, account_id, current_step, enrolled_at, vars) VALUES ($1, $2, 'acct_li', 'invite', $3, $4) RETURNING id`,
        [sequenceId, contactId, enrolledAt, vars],
      )
    ).rows[0].id as string;
  ids.janeEnrollment = await enroll(ids.jane, daysAgo(10), { segment: 'enterprise' });
  ids.bobEnrollment = await enroll(ids.bob, daysAgo(2), { segment: 'smb' });

  const chat = async (accountId: string, contactId: string, channel: string) =>
    (
      await sql(`INSERT INTO $schema.conversations (account_id, provider_chat_id, contact_id, channel) VALUES ($1, $2, $3, $4) RETURNING id`, [
        accountId,
        randomUUID(),
        contactId,
        channel,
      ])
    ).rows[0].id as string;
  ids.linkedinChat = await chat('acct_li', ids.jane, 'linkedin');
  ids.emailThread = await chat('acct_mail', ids.jane, 'email');
  const bobChat = await chat('acct_li', ids.bob, 'linkedin');

  // Jane: invited 9 days ago, accepted 2 days later, messaged; an old reply before this enrollment.
  evidence.janeOldReply = await event(ids.jane, 'reply', daysAgo(40), { channel: 'linkedin', conversationId: ids.linkedinChat });
  evidence.janeInvited = await event(ids.jane, 'invitation_sent', daysAgo(9));
  await message({ contactId: ids.jane, direction: 'out', at: daysAgo(9), conversationId: ids.linkedinChat, enrollmentId: ids.janeEnrollment, step: 'invite' });
  evidence.janeAccepted = await event(ids.jane, 'invitation_accepted', daysAgo(7));
  evidence.janeTouch = await message({
    contactId: ids.jane,
    direction: 'out',
    at: daysAgo(6),
    conversationId: ids.linkedinChat,
    enrollmentId: ids.janeEnrollment,
    step: 'message_1',
  });
  // …and answered by email 3 days ago, then her reply was classified.
  evidence.janeEmailReply = await event(ids.jane, 'reply', daysAgo(3), { channel: 'email', conversationId: ids.emailThread });
  evidence.janeReplyMessage = await message({
    contactId: ids.jane,
    direction: 'in',
    at: daysAgo(3),
    conversationId: ids.emailThread,
    channel: 'email',
    classification: { category: 'interested', confidence: 0.93 },
  });

  // Bob: invited, never accepted; his one inbound message was left unclassified.
  await event(ids.bob, 'invitation_sent', daysAgo(2));
  await message({ contactId: ids.bob, direction: 'out', at: daysAgo(2), conversationId: bobChat, enrollmentId: ids.bobEnrollment, step: 'invite' });
  await message({ contactId: ids.bob, direction: 'in', at: daysAgo(1), conversationId: bobChat, classification: { category: 'interested' } });
  await message({ contactId: ids.bob, direction: 'in', at: daysAgo(0.5), conversationId: bobChat });

  // Dan (Jane's colleague at acme.io): opened, clicked a booking link. Eve: bounced, clicked elsewhere. Olga: unsubscribed.
  await sql(`UPDATE $schema.contacts SET company_domain = 'acme.io' WHERE id = $1`, [ids.dan]);
  evidence.danOpened = await event(ids.dan, 'email_opened', daysAgo(1), { channel: 'email' });
  evidence.danClicked = await event(ids.dan, 'link_clicked', daysAgo(1), { channel: 'email', data: { url: 'https://calendly.com/acme/30min?utm=x' } });
  await event(ids.eve, 'link_clicked', daysAgo(1), { channel: 'email', data: { url: 'https://globex.com/pricing' } });
  evidence.eveBounced = await event(ids.eve, 'bounced', daysAgo(4), { channel: 'email' });
  evidence.olgaUnsubscribed = await event(ids.olga, 'unsubscribed', daysAgo(5), { channel: 'email' });
  await sql(`UPDATE $schema.contacts SET do_not_contact = true, do_not_contact_reason = 'asked by phone', do_not_contact_at = $2 WHERE id = $1`, [
    ids.eve,
    daysAgo(2),
  ]);
});
afterAll(async () => db.close());

const of = (who: keyof typeof ids): Subject =>
  who === 'jane' ? { enrollmentId: ids.janeEnrollment } : who === 'bob' ? { enrollmentId: ids.bobEnrollment } : { contactId: ids[who] };

/** Evaluates one condition for several subjects in one batch; returns the first result per subject. */
async function check(condition: ConditionInput, subjects: Subject[]) {
  const group = conditionGroupSchema.parse({ conditions: [condition] });
  const outcomes = await evaluateConditions(
    db,
    subjects.map((subject) => ({ subject, groups: [group] })),
    { now: NOW },
  );
  return outcomes.map((o) => {
    if ('error' in o) throw new Error(o.error);
    return o.groups[0].results[0];
  });
}

const matched = async (condition: ConditionInput, subjects: Subject[]) => (await check(condition, subjects)).map((r) => r.matched);

describe('replied', () => {
  it('counts a reply on email for the LinkedIn enrollment of the same person (identity graph)', async () => {
    const [jane, bob] = await check({ type: 'replied', scope: 'contact', since: { from: 'enrollment' } }, [of('jane'), of('bob')]);
    expect(jane.matched).toBe(true);
    expect(jane.evidence[0]).toMatchObject({ eventId: evidence.janeEmailReply, kind: 'reply', channel: 'email', at: daysAgo(3).toISOString() });
    expect(bob).toMatchObject({ matched: false, evidence: [] });
  });

  it('in this conversation: only replies in a conversation the enrollment wrote in (or the item names)', async () => {
    expect(await matched({ type: 'replied', scope: 'conversation', since: { from: 'enrollment' } }, [of('jane')])).toEqual([false]);
    expect(await matched({ type: 'replied', scope: 'conversation' }, [of('jane')])).toEqual([true]); // the old LinkedIn reply
    expect(
      await matched({ type: 'replied', scope: 'conversation', since: { from: 'enrollment' } }, [{ ...of('jane'), conversationId: ids.emailThread }]),
    ).toEqual([true]);
  });

  it('company: a colleague with the same domain replied', async () => {
    const [dan, eve] = await check({ type: 'replied', scope: 'company', since: { from: 'days', days: 5 } }, [of('dan'), of('eve')]);
    expect(dan.matched).toBe(true);
    expect(dan.evidence[0]).toMatchObject({ eventId: evidence.janeEmailReply, contactId: ids.jane });
    expect(eve.matched).toBe(false);
  });

  it('since a step, and within N days', async () => {
    expect(await matched({ type: 'replied', since: { from: 'step', step: 'message_1' } }, [of('jane')])).toEqual([true]);
    expect(await matched({ type: 'replied', since: { from: 'step', step: 'followup_2' } }, [of('jane')])).toEqual([false]); // never sent
    expect(await matched({ type: 'replied', since: { from: 'days', days: 2 } }, [of('jane')])).toEqual([false]);
    expect(await matched({ type: 'replied', since: { from: 'days', days: 4 } }, [of('jane')])).toEqual([true]);
  });
});

describe('engagement', () => {
  it('invitation accepted, optionally within N days of sending', async () => {
    const [jane, bob] = await check({ type: 'invitation_accepted', withinDays: 3 }, [of('jane'), of('bob')]);
    expect(jane.matched).toBe(true);
    expect(jane.evidence[0]).toMatchObject({ eventId: evidence.janeAccepted, detail: { sentEventId: evidence.janeInvited, daysToAccept: 2 } });
    expect(bob.matched).toBe(false);
    expect(await matched({ type: 'invitation_accepted', withinDays: 1 }, [of('jane')])).toEqual([false]);
  });

  it('email opened and bounced', async () => {
    expect(await matched({ type: 'email_opened' }, [of('dan'), of('olga')])).toEqual([true, false]);
    const [eve, dan] = await check({ type: 'bounced', since: { from: 'days', days: 7 } }, [of('eve'), of('dan')]);
    expect(eve.evidence[0].eventId).toBe(evidence.eveBounced);
    expect([eve.matched, dan.matched]).toEqual([true, false]);
  });

  it('link clicked, optionally matching a URL pattern', async () => {
    expect(await matched({ type: 'link_clicked' }, [of('dan'), of('eve'), of('olga')])).toEqual([true, true, false]);
    const [dan, eve] = await check({ type: 'link_clicked', urlPattern: '*calendly.com/*' }, [of('dan'), of('eve')]);
    expect(dan).toMatchObject({ matched: true, evidence: [{ eventId: evidence.danClicked, detail: { url: 'https://calendly.com/acme/30min?utm=x' } }] });
    expect(eve.matched).toBe(false);
    expect(await matched({ type: 'link_clicked', urlPattern: 'PRICING' }, [of('eve')])).toEqual([true]);
  });

  it('unsubscribed: an unsubscribe event or do-not-contact', async () => {
    const [olga, eve, dan] = await check({ type: 'unsubscribed' }, [of('olga'), of('eve'), of('dan')]);
    expect(olga).toMatchObject({ matched: true, evidence: [{ eventId: evidence.olgaUnsubscribed, kind: 'unsubscribed' }] });
    expect(eve).toMatchObject({ matched: true, evidence: [{ kind: 'do_not_contact', detail: { reason: 'asked by phone' } }] });
    expect(dan.matched).toBe(false);
  });

  it('latest reply classified as one of the categories (any channel)', async () => {
    const [jane, bob] = await check({ type: 'classified_as', categories: ['interested', 'meeting_request'] }, [of('jane'), of('bob')]);
    expect(jane).toMatchObject({ matched: true, evidence: [{ messageId: evidence.janeReplyMessage, channel: 'email', detail: { category: 'interested' } }] });
    // Bob's latest reply is not classified yet: an older "interested" does not speak for it.
    expect(bob).toMatchObject({ matched: false, evidence: [{ detail: { category: null } }] });
    expect(await matched({ type: 'classified_as', categories: ['not_interested'] }, [of('jane')])).toEqual([false]);
  });
});

describe('contact and enrollment', () => {
  it('has identity: email, LinkedIn, phone (a WhatsApp number counts)', async () => {
    expect(await matched({ type: 'has_identity', kinds: ['email'] }, [of('jane'), of('bob')])).toEqual([true, false]);
    expect(await matched({ type: 'has_identity', kinds: ['linkedin'] }, [of('dan'), of('bob')])).toEqual([false, true]);
    expect(await matched({ type: 'has_identity', kinds: ['phone'] }, [of('eve'), of('dan')])).toEqual([true, false]);
  });

  it('compares enrollment fields and contact attributes', async () => {
    expect(
      await matched({ type: 'field', source: 'enrollment', field: 'vars.segment', operator: 'equals', value: 'Enterprise' }, [of('jane'), of('bob')]),
    ).toEqual([true, false]);
    expect(await matched({ type: 'field', source: 'enrollment', field: 'current_step', operator: 'in', value: 'invite, message_1' }, [of('jane')])).toEqual([
      true,
    ]);
    expect(await matched({ type: 'field', source: 'contact', field: 'title', operator: 'contains', value: 'head' }, [of('jane'), of('bob')])).toEqual([
      true,
      false,
    ]);
    const [jane, bob] = await check({ type: 'field', source: 'contact', field: 'employees', operator: 'gt', value: 100 }, [of('jane'), of('bob')]);
    expect([jane.matched, bob.matched]).toEqual([true, false]);
    expect(jane.evidence[0]).toMatchObject({ kind: 'field', detail: { field: 'employees', value: 250 } });
    expect(await matched({ type: 'field', source: 'contact', field: 'attributes.industry', operator: 'exists' }, [of('jane'), of('bob')])).toEqual([
      true,
      false,
    ]);
  });

  it('days since enrolled and since the last touch', async () => {
    expect(await matched({ type: 'days_since', from: 'enrolled', operator: 'gte', days: 7 }, [of('jane'), of('bob')])).toEqual([true, false]);
    const [jane] = await check({ type: 'days_since', from: 'last_touch', operator: 'gt', days: 5 }, [of('jane')]);
    expect(jane).toMatchObject({ matched: true, evidence: [{ kind: 'last_touch', messageId: evidence.janeTouch, detail: { days: 6 } }] });
    expect(await matched({ type: 'days_since', from: 'last_touch', operator: 'gt', days: 5 }, [of('bob')])).toEqual([false]);
  });
});

describe('groups and batches', () => {
  const group = (g: ConditionGroupInput) => conditionGroupSchema.parse(g);

  it("combines with all/any and negation, and keeps each condition's evidence", async () => {
    const notRepliedButAccepted = group({
      combinator: 'all',
      conditions: [{ type: 'invitation_accepted' }, { type: 'replied', since: { from: 'days', days: 30 }, negate: true }],
    });
    const anyEngagement = group({ combinator: 'any', conditions: [{ type: 'email_opened' }, { type: 'invitation_accepted' }] });
    const [jane, bob, dan] = await evaluateConditions(
      db,
      [of('jane'), of('bob'), of('dan')].map((subject) => ({ subject, groups: [notRepliedButAccepted, anyEngagement] })),
      { now: NOW },
    );
    if ('error' in jane || 'error' in bob || 'error' in dan) throw new Error('unexpected error');
    expect(jane.groups.map((g) => g.matched)).toEqual([false, true]);
    expect(jane.groups[0].results[1]).toMatchObject({
      condition: 'not replied (contact, within 30 days)',
      negated: true,
      matched: false,
      evidence: [{ eventId: evidence.janeEmailReply }],
    });
    expect(bob.groups.map((g) => g.matched)).toEqual([false, false]);
    expect(dan.groups.map((g) => g.matched)).toEqual([false, true]);
  });

  it('reads a whole batch in one round trip, and fails only the items that cannot be evaluated', async () => {
    let queries = 0;
    const counting = {
      ...db,
      pool: { query: (...args: unknown[]) => (queries++, (db.pool.query as (...a: unknown[]) => unknown)(...args)) },
    } as unknown as TestDb;
    const subjects: Subject[] = [
      ...Array.from({ length: 30 }, (_, i) => of((['jane', 'bob', 'dan', 'eve', 'olga'] as const)[i % 5])),
      {},
      { contactId: randomUUID() },
      { contactId: 'ACoAAJane' },
    ];
    const outcomes = await evaluateConditions(
      counting,
      subjects.map((subject) => ({
        subject,
        groups: [
          group({
            conditions: [{ type: 'replied', scope: 'company' }, { type: 'email_opened' }, { type: 'days_since', from: 'last_touch', operator: 'lt', days: 30 }],
          }),
        ],
      })),
      { now: NOW },
    );
    expect(queries).toBe(1);
    expect(outcomes.slice(0, 30).every((o) => 'groups' in o)).toBe(true);
    expect(outcomes.slice(30)).toEqual([
      { error: expect.stringMatching(/set Contact ID or Enrollment ID/) },
      { error: expect.stringMatching(/does not exist/) },
      { error: expect.stringMatching(/not a UUID/) },
    ]);
  });

  it('says which field to set when a condition needs an enrollment', async () => {
    const [dan] = await evaluateConditions(
      db,
      [{ subject: of('dan'), groups: [group({ conditions: [{ type: 'replied', since: { from: 'enrollment' } }] })] }],
      { now: NOW },
    );
    expect(dan).toEqual({ error: expect.stringMatching(/needs an enrollment: set Enrollment ID/) });
  });
});
