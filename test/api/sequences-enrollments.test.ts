import { withTransaction } from '../../runtime/db/pool';
import { failEnrollments } from '../../runtime/sequences/transitions';
import { expectDocumented } from '../support/api';
import { startTestRuntime, TEST_API_TOKEN, type TestRuntime } from '../support/runtime';

let rt: TestRuntime;
beforeAll(async () => (rt = await startTestRuntime()));
afterAll(async () => rt.close());

const s = () => `"${rt.ctx.schema}"`;
const fields = (res: { body: { error: { details?: { field: string }[] } } }) => res.body.error.details?.map((d) => d.field);

/** A sequence with two listed steps; the calendar never matters in these tests. */
async function createSequence(key: string, extra: Record<string, unknown> = {}) {
  const res = await rt.api('POST', '/sequences', {
    key,
    name: `Sequence ${key}`,
    settings: { steps: [{ name: 'invite' }, { name: 'followup', delay: { unit: 'days', amount: 2 } }] },
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function enrollEmails(key: string, emails: string[]) {
  const res = await rt.api('POST', `/sequences/${key}/enrollments`, { contacts: emails.map((email) => ({ email })) });
  expect(res.status).toBe(200);
  return res.body.results as { index: number; contactId: string; enrollmentId: string; outcome: string }[];
}

describe('authentication', () => {
  it('refuses the sequence and enrollment routes without the right bearer token, and enrolls nobody', async () => {
    await createSequence('guarded');
    const anonymous = await fetch(`${rt.url}/api/v1/sequences`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await rt.api('POST', '/sequences/guarded/enrollments', { contacts: [{ email: 'sneaky@acme.io' }] }, { authorization: `Bearer ${TEST_API_TOKEN.slice(1)}` });
    expect(wrong.status).toBe(401);
    expect((await rt.api('GET', '/enrollments', undefined, { authorization: 'Basic abc' })).status).toBe(401);
    const { rows } = await rt.ctx.pool.query(`SELECT count(*)::int AS n FROM ${s()}.enrollments e JOIN ${s()}.sequences q ON q.id = e.sequence_id WHERE q.key = 'guarded'`);
    expect(rows[0].n).toBe(0);
  });
});

describe('sequences', () => {
  it('creates a sequence with default settings, refuses its key a second time (409) and names bad fields', async () => {
    const created = await rt.api('POST', '/sequences', { key: 'saas-q3', name: 'SaaS Q3' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'saas-q3', name: 'SaaS Q3', status: 'active', version: 1, settings: { timezone: 'UTC', workingDays: [1, 2, 3, 4, 5] } });
    expectDocumented('post', '/sequences', created.body);

    const again = await rt.api('POST', '/sequences', { key: 'saas-q3', name: 'Other' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');

    expect(fields(await rt.api('POST', '/sequences', { key: 'no-name' }))).toEqual(['body.name']);
    expect(fields(await rt.api('POST', '/sequences', { key: 'has space', name: 'x' }))).toEqual(['body.key']);
    const window = await rt.api('POST', '/sequences', { key: 'night', name: 'x', settings: { workingHours: { start: '18:00', end: '09:00' } } });
    expect(window.status).toBe(400);
    expect(window.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'body.settings.workingHours', message: expect.stringMatching(/start must be before/) }] });
    expect(fields(await rt.api('POST', '/sequences', { key: 'typo', name: 'x', setings: {} }))).toEqual(['body']);
  });

  it('replays a create repeated with the same Idempotency-Key instead of answering 409, and refuses the key for another body', async () => {
    const headers = { 'idempotency-key': 'create-spring-1' };
    const first = await rt.api('POST', '/sequences', { key: 'spring', name: 'Spring' }, headers);
    const second = await rt.api('POST', '/sequences', { key: 'spring', name: 'Spring' }, headers);
    expect(first.status).toBe(201);
    expect(second).toEqual(first);
    const reused = await rt.api('POST', '/sequences', { key: 'summer', name: 'Summer' }, headers);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
  });

  it('lists, gets and updates; pausing a sequence pauses its enrollments and resuming resumes them', async () => {
    await createSequence('lifecycle');
    const [enrolled] = await enrollEmails('lifecycle', ['life@acme.io']);

    const list = await rt.api('GET', '/sequences?status=active');
    expect(list.body.items.map((q: { key: string }) => q.key)).toContain('lifecycle');
    expectDocumented('get', '/sequences', list.body);
    const one = await rt.api('GET', '/sequences/lifecycle');
    expect(one.body.settings.steps.map((t: { name: string }) => t.name)).toEqual(['invite', 'followup']);
    expectDocumented('get', '/sequences/:key', one.body);
    expect((await rt.api('GET', '/sequences/nope')).body.error.code).toBe('not_found');

    const paused = await rt.api('PATCH', '/sequences/lifecycle', { status: 'paused' });
    expect(paused.body).toMatchObject({ status: 'paused', version: 2 });
    expectDocumented('patch', '/sequences/:key', paused.body);
    expect((await rt.api('GET', `/enrollments/${enrolled.enrollmentId}`)).body).toMatchObject({ status: 'paused', pauseReason: 'sequence_paused' });
    expect((await rt.api('PATCH', '/sequences/lifecycle', { status: 'active' })).body.status).toBe('active');
    expect((await rt.api('GET', `/enrollments/${enrolled.enrollmentId}`)).body.status).toBe('active');

    expect(fields(await rt.api('PATCH', '/sequences/lifecycle', { status: 'sleeping' }))).toEqual(['body.status']);
    expect((await rt.api('PATCH', '/sequences/nope', { name: 'x' })).status).toBe(404);
  });
});

describe('bulk enrolment (POST /sequences/:key/enrollments)', () => {
  beforeAll(async () => {
    await createSequence('bulk');
    const dnc = await rt.api('POST', '/contacts', { email: 'dnc@acme.io' });
    await rt.api('POST', `/contacts/${dnc.body.contactId}/do-not-contact`, { reason: 'unsubscribed' });
  });

  it('answers one result per contact, in input order, with the invalid field named', async () => {
    const res = await rt.api('POST', '/sequences/bulk/enrollments', {
      contacts: [
        { email: 'ada@acme.io', firstName: 'Ada', vars: { icebreaker: 'your talk' } },
        { email: 'not-an-email' },
        { email: 'ADA@acme.io' },
        { email: 'dnc@acme.io' },
        { linkedinPublicId: 'https://www.linkedin.com/in/grace-h/' },
      ],
      vars: { campaign: 'spring' },
    });
    expect(res.status).toBe(200);
    expectDocumented('post', '/sequences/:key/enrollments', res.body);
    const results = res.body.results;
    expect(results.map((r: { index: number; outcome: string }) => [r.index, r.outcome])).toEqual([
      [0, 'enrolled'],
      [1, 'invalid'],
      [2, 'already_enrolled'],
      [3, 'skipped_do_not_contact'],
      [4, 'enrolled'],
    ]);
    expect(results[1]).toMatchObject({ contactId: null, enrollmentId: null, details: [{ field: 'contacts.1.email', message: '"not-an-email" is not an email address' }] });
    expect(results[2]).toMatchObject({ contactId: results[0].contactId, enrollmentId: results[0].enrollmentId });
    expect(new Date(results[0].runAt).getTime()).toBeGreaterThan(0);
    const ada = await rt.api('GET', `/enrollments/${results[0].enrollmentId}`);
    expect(ada.body).toMatchObject({ nextStep: 'invite', vars: { campaign: 'spring', icebreaker: 'your talk' } });
  });

  it('answers a request repeated with the same Idempotency-Key from the first answer', async () => {
    const headers = { 'idempotency-key': 'import-42' };
    const body = { contacts: [{ email: 'once@acme.io' }] };
    const first = await rt.api('POST', '/sequences/bulk/enrollments', body, headers);
    const second = await rt.api('POST', '/sequences/bulk/enrollments', body, headers);
    expect(first.body.results[0].outcome).toBe('enrolled');
    // Without the key, the repeat would say already_enrolled; with it, it is the first answer again.
    expect(second).toEqual(first);
    expect((await rt.api('POST', '/sequences/bulk/enrollments', body)).body.results[0].outcome).toBe('already_enrolled');
  });

  it('refuses what it cannot run, naming the field', async () => {
    expect(fields(await rt.api('POST', '/sequences/bulk/enrollments', { contacts: [] }))).toEqual(['body.contacts']);
    expect(fields(await rt.api('POST', '/sequences/bulk/enrollments', {}))).toEqual(['body.contacts']);
    expect(fields(await rt.api('POST', '/sequences/bulk/enrollments', { contacts: [{ email: 'a@b.io' }], startAt: 'tomorrow' }))).toEqual(['body.startAt']);
    expect(fields(await rt.api('POST', '/sequences/bulk/enrollments', { contacts: [{ email: 'a@b.io' }], sequenceKey: 'other' }))).toEqual(['body']);
    const unknown = await rt.api('POST', '/sequences/nope/enrollments', { contacts: [{ email: 'a@b.io' }] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/create it first/);
    await createSequence('old');
    await rt.api('PATCH', '/sequences/old', { status: 'archived' });
    const archived = await rt.api('POST', '/sequences/old/enrollments', { contacts: [{ email: 'a@b.io' }] });
    expect(archived.status).toBe(409);
    expect(archived.body.error.code).toBe('invalid_state');
  });
});

describe('enrollments', () => {
  let ids: string[];
  beforeAll(async () => {
    await createSequence('pager');
    // One call: every row gets the same enrolled_at, which the cursor must still page through.
    ids = (await enrollEmails('pager', ['p1@acme.io', 'p2@acme.io', 'p3@acme.io', 'p4@acme.io', 'p5@acme.io'])).map((r) => r.enrollmentId);
  });

  it('pages newest first with a cursor, through rows enrolled in the same instant', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await rt.api('GET', `/enrollments?sequence=pager&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expectDocumented('get', '/enrollments', res.body);
      seen.push(...res.body.items.map((e: { id: string }) => e.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...ids].sort());
    expect((await rt.api('GET', '/enrollments?cursor=garbage')).body.error.code).toBe('invalid_cursor');
    expect(fields(await rt.api('GET', '/enrollments?limit=0'))).toEqual(['query.limit']);
    expect(fields(await rt.api('GET', '/enrollments?limit=501'))).toEqual(['query.limit']);
  });

  it('filters by sequence, status, contact and step', async () => {
    const ids_ = async (qs: string) => (await rt.api('GET', `/enrollments?${qs}`)).body.items.map((e: { id: string }) => e.id);
    await rt.api('POST', `/enrollments/${ids[0]}/pause`, {});
    expect(await ids_('sequence=pager&status=paused')).toEqual([ids[0]]);
    const contactId = (await rt.api('GET', `/enrollments/${ids[1]}`)).body.contactId;
    expect(await ids_(`contact=${contactId}`)).toEqual([ids[1]]);
    expect(await ids_('sequence=pager&step=invite')).toHaveLength(5);
    expect(await ids_('sequence=pager&step=followup')).toEqual([]);
    expect(await ids_('sequence=nope')).toEqual([]);
    expect(fields(await rt.api('GET', '/enrollments?status=sleeping'))).toEqual(['query.status']);
    expect(fields(await rt.api('GET', '/enrollments?contact=42'))).toEqual(['query.contact']);
    await rt.api('POST', `/enrollments/${ids[0]}/resume`);
  });

  it('shows an enrollment with its timeline', async () => {
    const res = await rt.api('GET', `/enrollments/${ids[2]}`);
    expect(res.status).toBe(200);
    expectDocumented('get', '/enrollments/:id', res.body);
    expect(res.body).toMatchObject({ id: ids[2], status: 'active', sequence: { key: 'pager' }, nextStep: 'invite' });
    expect(res.body.timeline.map((t: { kind: string }) => t.kind)).toEqual(['enrolled']);
    expect((await rt.api('GET', '/enrollments/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(fields(await rt.api('GET', '/enrollments/abc'))).toEqual(['params.id']);
  });

  it('pauses until a moment, resumes, stops with a reason, and refuses changes the state does not allow', async () => {
    const id = ids[3];
    const until = '2031-01-06T09:00:00.000Z';
    const paused = await rt.api('POST', `/enrollments/${id}/pause`, { until });
    expect(paused.body).toMatchObject({ status: 'paused', pauseReason: 'manual', pausedUntil: until });
    expectDocumented('post', '/enrollments/:id/pause', paused.body);
    expect(paused.body.timeline.at(-1)).toMatchObject({ kind: 'paused', reason: 'manual' });

    const twice = await rt.api('POST', `/enrollments/${id}/pause`);
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ code: 'invalid_state', message: expect.stringMatching(/only active enrollments can be paused/) });

    expect((await rt.api('POST', `/enrollments/${id}/resume`)).body.status).toBe('active');
    expect(fields(await rt.api('POST', `/enrollments/${id}/stop`, { reason: 'because' }))).toEqual(['body.reason']);
    const stopped = await rt.api('POST', `/enrollments/${id}/stop`, { reason: 'meeting_booked' });
    expect(stopped.body).toMatchObject({ status: 'stopped', stopReason: 'meeting_booked', nextStep: null });
    expect((await rt.api('POST', `/enrollments/${id}/stop`)).status).toBe(409);
    expect((await rt.api('POST', `/enrollments/${id}/skip`, { step: 'followup' })).status).toBe(409);
    expect((await rt.api('POST', '/enrollments/00000000-0000-4000-8000-000000000000/resume')).status).toBe(404);
  });

  it('skips to a step', async () => {
    expect(fields(await rt.api('POST', `/enrollments/${ids[4]}/skip`, {}))).toEqual(['body.step']);
    const res = await rt.api('POST', `/enrollments/${ids[4]}/skip`, { step: 'followup' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'active', nextStep: 'followup' });
    expect(res.body.timeline.at(-1)).toMatchObject({ kind: 'skipped', step: 'followup', reason: 'manual' });
    expect((await rt.api('GET', '/enrollments?sequence=pager&step=followup')).body.items.map((e: { id: string }) => e.id)).toEqual([ids[4]]);
  });

  it('retries a failed enrollment, and only a failed one', async () => {
    const id = ids[1];
    expect((await rt.api('POST', `/enrollments/${id}/retry`)).status).toBe(409);
    await withTransaction(rt.ctx.pool, (tx) => failEnrollments(rt.ctx, tx, [id], 'dispatch_failed', { error: 'the flow answered 500' }));
    const res = await rt.api('POST', `/enrollments/${id}/retry`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'active', stopReason: null, nextStep: 'invite' });
    expect(res.body.timeline.map((t: { kind: string }) => t.kind).slice(-2)).toEqual(['failed', 'retried']);
  });
});

describe('sequence stats', () => {
  it('counts the funnel per step: scheduled, dispatched, sent, replied after it, stopped by reason, failed', async () => {
    await createSequence('funnel');
    const [a, b, c] = await enrollEmails('funnel', ['fa@acme.io', 'fb@acme.io', 'fc@acme.io']);
    // What the dispatcher, UniPile Send and the ingest write: invite went out to a and b, a's message was sent, a replied.
    await rt.ctx.pool.query(`INSERT INTO ${s()}.accounts (id, provider) VALUES ('acc-f', 'LINKEDIN') ON CONFLICT DO NOTHING`);
    await rt.ctx.pool.query(`UPDATE ${s()}.enrollments SET enrolled_at = now() - interval '3 hours' WHERE id = ANY($1)`, [[a.enrollmentId, b.enrollmentId, c.enrollmentId]]);
    await rt.ctx.pool.query(`UPDATE ${s()}.enrollments SET current_step = 'invite', next_step = NULL WHERE id = ANY($1)`, [[a.enrollmentId, b.enrollmentId]]);
    await rt.ctx.pool.query(
      `INSERT INTO ${s()}.enrollment_events (enrollment_id, kind, step, at) VALUES ($1, 'dispatched', 'invite', now() - interval '2 hours'), ($2, 'dispatched', 'invite', now() - interval '2 hours')`,
      [a.enrollmentId, b.enrollmentId],
    );
    await rt.ctx.pool.query(
      `INSERT INTO ${s()}.messages (account_id, direction, status, enrollment_id, step, text, idempotency_key) VALUES ('acc-f', 'out', 'sent', $1, 'invite', 'Hi', 'funnel-a-invite')`,
      [a.enrollmentId],
    );
    await rt.ctx.pool.query(
      `INSERT INTO ${s()}.engagement_events (contact_id, kind, occurred_at, source_key) VALUES ($1, 'reply', now() - interval '1 hour', 'reply:funnel-a')`,
      [a.contactId],
    );
    await rt.api('POST', `/enrollments/${a.enrollmentId}/stop`, { reason: 'replied' });
    await withTransaction(rt.ctx.pool, (tx) => failEnrollments(rt.ctx, tx, [c.enrollmentId], 'dispatch_failed'));

    const res = await rt.api('GET', '/sequences/funnel/stats');
    expect(res.status).toBe(200);
    expectDocumented('get', '/sequences/:key/stats', res.body);
    expect(res.body).toMatchObject({
      enrollments: { total: 3, active: 1, stopped: 1, failed: 1 },
      replied: 1,
      replyRate: 0.5,
      stoppedByReason: { replied: 1 },
    });
    expect(res.body.steps).toEqual([
      { step: 'invite', scheduled: 3, dispatched: 2, sent: 1, replied: 1, replyRate: 0.5, stopped: { replied: 1 }, failed: 1 },
      { step: 'followup', scheduled: 0, dispatched: 0, sent: 0, replied: 0, replyRate: null, stopped: {}, failed: 0 },
    ]);
    expect((await rt.api('GET', '/sequences/nope/stats')).status).toBe(404);
  });
});

describe('simulate (POST /sequences/:key/simulate)', () => {
  it('times each step on the sequence calendar for a contact, writing nothing', async () => {
    await createSequence('sim', {
      settings: { timezone: 'Europe/Paris', steps: [{ name: 'invite' }, { name: 'followup', delay: { unit: 'business_days', amount: 2 } }] },
    });
    // Friday 18:30 in Paris: the first step waits for Monday 09:00, the next is two business days later.
    const res = await rt.api('POST', '/sequences/sim/simulate', { contact: { email: 'sim@acme.io' }, from: '2030-03-15T17:30:00Z' });
    expect(res.status).toBe(200);
    expectDocumented('post', '/sequences/:key/simulate', res.body);
    expect(res.body.steps.map((t: { name: string; at: string }) => [t.name, t.at])).toEqual([
      ['invite', '2030-03-18T08:00:00.000Z'],
      ['followup', '2030-03-20T08:00:00.000Z'],
    ]);
    expect(res.body).toMatchObject({ contactId: null, timezone: 'Europe/Paris', enrollmentId: null });
    const { rows } = await rt.ctx.pool.query(`SELECT count(*)::int AS n FROM ${s()}.contact_identities WHERE value = 'sim@acme.io'`);
    expect(rows[0].n).toBe(0);

    expect(fields(await rt.api('POST', '/sequences/sim/simulate', { contact: { email: 'nope' } }))).toEqual(['body.contact.email']);
    expect(fields(await rt.api('POST', '/sequences/sim/simulate', { from: 'soon' }))).toEqual(['body.from']);
    expect((await rt.api('POST', '/sequences/nope/simulate', {})).status).toBe(404);
  });
});
