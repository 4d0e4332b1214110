import { expectDocumented } from '../support/api';
import { startTestRuntime, TEST_API_TOKEN, type TestRuntime } from '../support/runtime';

let rt: TestRuntime;
beforeAll(async () => (rt = await startTestRuntime()));
afterAll(async () => rt.close());

const s = () => `"${rt.ctx.schema}"`;

describe('API authentication and errors', () => {
  it('refuses calls without the bearer token, with the JSON error shape', async () => {
    const res = await fetch(`${rt.url}/api/v1/accounts`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/Bearer/) } });
    const wrong = await rt.api('GET', '/accounts', undefined, { authorization: `Bearer ${TEST_API_TOKEN}x` });
    expect(wrong.status).toBe(401);
  });

  it('names the invalid field in validation errors', async () => {
    const res = await rt.api('POST', '/contacts', { email: 'not-an-email', firstName: 'Jane' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'body.email', message: expect.stringMatching(/email address/) }] });
    const unknown = await rt.api('POST', '/contacts', { emial: 'jane@acme.io' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].field).toBe('body');
    expect(unknown.body.error.message).toMatch(/emial/);
  });

  it('answers invalid JSON with 400 and unknown API routes with 404', async () => {
    const res = await fetch(`${rt.url}/api/v1/contacts`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' }, body: '{"a":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    expect((await rt.api('GET', '/nope')).status).toBe(404);
  });
});

describe('contacts', () => {
  it('upserts through the identity graph and shows the contact with identities and enrollments', async () => {
    const created = await rt.api('POST', '/contacts', { email: 'Jane@Acme.io', firstName: 'Jane', company: 'Acme' });
    expect(created).toMatchObject({ status: 201, body: { created: true } });
    expectDocumented('post', '/contacts', created.body);
    const again = await rt.api('POST', '/contacts', { linkedinProviderId: 'ACoAAJane', email: 'jane@acme.io', lastName: 'Doe' });
    expect(again).toMatchObject({ status: 200, body: { contactId: created.body.contactId, created: false } });
    const detail = await rt.api('GET', `/contacts/${created.body.contactId}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ first_name: 'Jane', last_name: 'Doe', company_domain: 'acme.io', do_not_contact: false });
    expect(detail.body.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`)).toEqual(['email:jane@acme.io', 'linkedin:ACoAAJane']);
    expect(detail.body.enrollments).toEqual([]);
    expectDocumented('get', '/contacts/:id', detail.body);
  });

  it('replays a repeated POST with the same Idempotency-Key instead of doing it twice', async () => {
    const headers = { 'idempotency-key': 'create-sam-1' };
    const first = await rt.api('POST', '/contacts', { email: 'sam@globex.com' }, headers);
    const second = await rt.api('POST', '/contacts', { email: 'sam@globex.com' }, headers);
    expect(first.status).toBe(201);
    expect(second).toEqual(first);
    const reused = await rt.api('POST', '/contacts', { email: 'other@globex.com' }, headers);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
  });

  it('marks do-not-contact and stops the live enrollments of that contact', async () => {
    const { body } = await rt.api('POST', '/contacts', { email: 'dnc@acme.io' });
    const seq = await rt.ctx.pool.query(`INSERT INTO ${s()}.sequences (key, name) VALUES ('dnc-seq', 'x') RETURNING id`);
    const enr = await rt.ctx.pool.query(`INSERT INTO ${s()}.enrollments (sequence_id, contact_id, next_step) VALUES ($1, $2, 'intro') RETURNING id`, [seq.rows[0].id, body.contactId]);
    const res = await rt.api('POST', `/contacts/${body.contactId}/do-not-contact`, { reason: 'unsubscribed' });
    expect(res.status).toBe(200);
    expect(res.body.stoppedEnrollmentIds).toEqual([enr.rows[0].id]);
    expectDocumented('post', '/contacts/:id/do-not-contact', res.body);
    const detail = await rt.api('GET', `/contacts/${body.contactId}`);
    expect(detail.body).toMatchObject({ do_not_contact: true, do_not_contact_reason: 'unsubscribed' });
    expect(detail.body.enrollments[0]).toMatchObject({ status: 'stopped', stop_reason: 'unsubscribed' });
    expectDocumented('get', '/contacts/:id', detail.body);
    expect((await rt.api('POST', `/contacts/${body.contactId}/do-not-contact`, { reason: 'because' })).status).toBe(400);
    expect((await rt.api('GET', '/contacts/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});

describe('inbox', () => {
  beforeAll(async () => {
    await rt.ctx.pool.query(`INSERT INTO ${s()}.accounts (id, provider, name, status) VALUES ('acc-1', 'LINKEDIN', 'Sales', 'OK'), ('acc-2', 'MAIL', 'Mail', 'CREDENTIALS')`);
    for (let i = 0; i < 5; i++) {
      const c = await rt.ctx.pool.query(
        `INSERT INTO ${s()}.conversations (account_id, provider_chat_id, channel, unread_count, last_message_at, assigned_to)
         VALUES ($1, $2, 'linkedin', $3, now() - ($4 || ' minutes')::interval, $5) RETURNING id`,
        [i % 2 ? 'acc-2' : 'acc-1', `chat-${i}`, i % 2, i, i === 0 ? 'ana' : null],
      );
      await rt.ctx.pool.query(
        `INSERT INTO ${s()}.messages (account_id, conversation_id, provider_message_id, direction, text, status, sent_at)
         VALUES ($1, $2, $3, 'in', $4, 'received', now() - ($5 || ' minutes')::interval)`,
        [i % 2 ? 'acc-2' : 'acc-1', c.rows[0].id, `msg-${i}`, i === 3 ? 'Happy to book a demo' : `hello ${i}`, i],
      );
    }
  });

  it('pages conversations newest first with a cursor', async () => {
    const first = await rt.api('GET', '/inbox/conversations?limit=2');
    expectDocumented('get', '/inbox/conversations', first.body);
    expect(first.body.items.map((c: { provider_chat_id: string }) => c.provider_chat_id)).toEqual(['chat-0', 'chat-1']);
    const second = await rt.api('GET', `/inbox/conversations?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.items.map((c: { provider_chat_id: string }) => c.provider_chat_id)).toEqual(['chat-2', 'chat-3']);
    const third = await rt.api('GET', `/inbox/conversations?limit=2&cursor=${second.body.next_cursor}`);
    expect(third.body).toMatchObject({ next_cursor: null });
    expect(third.body.items).toHaveLength(1);
    expect((await rt.api('GET', '/inbox/conversations?cursor=garbage')).body.error.code).toBe('invalid_cursor');
  });

  it('filters by unread, account, assignee and text', async () => {
    const ids = async (qs: string) => (await rt.api('GET', `/inbox/conversations?${qs}`)).body.items.map((c: { provider_chat_id: string }) => c.provider_chat_id);
    expect(await ids('unread=true')).toEqual(['chat-1', 'chat-3']);
    expect(await ids('account=acc-1')).toEqual(['chat-0', 'chat-2', 'chat-4']);
    expect(await ids('assigned=ana')).toEqual(['chat-0']);
    expect(await ids('q=demo')).toEqual(['chat-3']);
  });

  it('lists messages, marks read and assigns', async () => {
    const [conv] = (await rt.api('GET', '/inbox/conversations?q=demo')).body.items;
    const msgs = await rt.api('GET', `/inbox/conversations/${conv.id}/messages`);
    expect(msgs.body.items.map((m: { text: string }) => m.text)).toEqual(['Happy to book a demo']);
    expectDocumented('get', '/inbox/conversations/:id/messages', msgs.body);
    const read = await rt.api('POST', `/inbox/conversations/${conv.id}/read`);
    expect(read.body.unread_count).toBe(0);
    expectDocumented('post', '/inbox/conversations/:id/read', read.body);
    const assigned = await rt.api('POST', `/inbox/conversations/${conv.id}/assign`, { assignee: 'bob', status: 'snoozed' });
    expectDocumented('post', '/inbox/conversations/:id/assign', assigned.body);
    expect(assigned.body).toMatchObject({ assigned_to: 'bob', status: 'snoozed' });
    expect((await rt.api('GET', '/inbox/conversations?unread=true')).body.items).toHaveLength(1);
  });

  it('lists accounts with their status', async () => {
    const res = await rt.api('GET', '/accounts?status=CREDENTIALS');
    expect(res.body.items.map((a: { id: string }) => a.id)).toEqual(['acc-2']);
    expectDocumented('get', '/accounts', res.body);
  });

  it('shows the rate ledger of an account: used and remaining per window', async () => {
    await rt.ctx.pool.query(`INSERT INTO ${s()}.rate_ledger (account_id, action) VALUES ('acc-1', 'invitation'), ('acc-1', 'invitation')`);
    const res = await rt.api('GET', '/accounts/acc-1/usage');
    expect(res.status).toBe(200);
    const invitation = res.body.actions.find((a: { action: string }) => a.action === 'invitation');
    expect(invitation.daily).toMatchObject({ used: 2, limit: 80, remaining: 78 });
    expect(invitation.weekly).toMatchObject({ used: 2, limit: 200, remaining: 198 });
    expectDocumented('get', '/accounts/:id/usage', res.body);
    expect((await rt.api('GET', '/accounts/nope/usage')).status).toBe(404);
  });
});
