import nock from 'nock';
import { createMetrics } from '../../runtime/metrics';
import { unipileBaseUrl } from '../../runtime/unipile/base-url';
import { INVITATION_NOTE_MAX, UnipileClient, paginate } from '../../runtime/unipile/client';
import { UnipileError, classifyUnipileError, type UnipileErrorClass } from '../../runtime/unipile/errors';
import { freePort } from '../support/global-setup';
import { API_KEY, DSN, ORIGIN, fakeUnipile, fieldsOf, formOf, sendResponses } from '../support/unipile';

const sleeps: number[] = [];
const client = (options: Partial<ConstructorParameters<typeof UnipileClient>[0]> = {}) =>
  new UnipileClient({ dsn: DSN, apiKey: API_KEY, sleep: async (ms) => void sleeps.push(ms), ...options });

beforeEach(() => {
  sleeps.length = 0;
});

async function rejection(promise: Promise<unknown>): Promise<UnipileError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UnipileError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('base URL', () => {
  it.each([
    ['api1.unipile.com:13111', 'https://api1.unipile.com:13111/api/v1'],
    ['https://api6.unipile.com:13443', 'https://api6.unipile.com:13443/api/v1'],
    ['https://api6.unipile.com:13443/api/v1/', 'https://api6.unipile.com:13443/api/v1'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/api/v1'],
  ])('%s → %s', (dsn, base) => {
    expect(unipileBaseUrl(dsn).href).toBe(base);
  });

  it('refuses an empty DSN with a hint', () => {
    expect(() => unipileBaseUrl(' ')).toThrow(/api1\.unipile\.com:13111/);
  });

  it('refuses a DSN with a query string', () => {
    expect(() => unipileBaseUrl('https://api55.unipile.com/api/v1?port=18520')).toThrow(/use the DSN with its port/);
  });
});

describe('wire format', () => {
  it('authenticates every request with X-API-KEY and asks for JSON', async () => {
    const { requests } = fakeUnipile('GET', '/accounts', { status: 200, body: { object: 'AccountList', items: [], cursor: null } });
    await client().listAccounts({ limit: 250, cursor: 'c1' });
    expect(requests[0].headers['x-api-key']).toBe(API_KEY);
    expect(requests[0].headers.accept).toBe('application/json');
    expect(Object.fromEntries(requests[0].query)).toEqual({ limit: '250', cursor: 'c1' });
  });

  it('gets an account by its encoded id and keeps unknown fields', async () => {
    const { requests } = fakeUnipile('GET', '/accounts/acc%2F1', {
      status: 200,
      body: { object: 'Account', id: 'acc/1', type: 'LINKEDIN', name: 'Jo', connection_params: { im: { id: 'ACoAAOwn', premiumFeatures: ['sales_navigator'] } }, groups: [] },
    });
    const account = await client().getAccount('acc/1');
    expect(requests[0].method).toBe('GET');
    expect(account.connection_params?.im?.id).toBe('ACoAAOwn');
    expect(account).toMatchObject({ groups: [], connection_params: { im: { premiumFeatures: ['sales_navigator'] } } });
  });

  it('lists chats with a comma list of accounts and dates with milliseconds', async () => {
    const { requests } = fakeUnipile('GET', '/chats', { status: 200, body: { object: 'ChatList', items: [{ id: 'ch1', account_id: 'a', pinned: 1 }], cursor: 'next' } });
    const page = await client().listChats({ accountId: ['a', 'b'], unread: true, after: new Date('2026-07-01T09:00:00Z'), before: '2026-07-02T10:00:00Z', limit: 50 });
    expect(Object.fromEntries(requests[0].query)).toEqual({
      account_id: 'a,b',
      unread: 'true',
      after: '2026-07-01T09:00:00.000Z',
      before: '2026-07-02T10:00:00.000Z',
      limit: '50',
    });
    expect(page.cursor).toBe('next');
    expect(page.items[0]).toMatchObject({ id: 'ch1', pinned: 1 });
  });

  it('refuses an unreadable date before any request', async () => {
    const { scope } = fakeUnipile('GET', '/messages', { status: 200, body: { items: [] } });
    const error = await rejection(client().listMessages({ after: 'yesterday' }));
    expect(error.class).toBe('invalid_request');
    expect(error.detail).toMatch(/after: "yesterday" is not a date/);
    expect(scope.isDone()).toBe(false);
  });

  it('gets a chat and the messages of a chat', async () => {
    const chat = fakeUnipile('GET', '/chats/ch1', { status: 200, body: { object: 'Chat', id: 'ch1', account_id: 'a', lastMessage: null } });
    const messages = fakeUnipile('GET', '/chats/ch1/messages', {
      status: 200,
      body: { items: [{ id: 'm1', account_id: 'a', chat_id: 'ch1', text: 'hi', timestamp: '2026-07-01T09:00:00.000Z', is_sender: 0 }], cursor: null },
    });
    await client().getChat('ch1');
    const page = await client().listChatMessages('ch1', { senderId: 'ACoAAx', before: new Date('2026-07-03T00:00:00Z'), cursor: 'c2' });
    expect(chat.requests).toHaveLength(1);
    expect(Object.fromEntries(messages.requests[0].query)).toEqual({ sender_id: 'ACoAAx', before: '2026-07-03T00:00:00.000Z', cursor: 'c2' });
    expect(page.items[0].text).toBe('hi');
  });

  it('lists all messages of an account after a date', async () => {
    const { requests } = fakeUnipile('GET', '/messages', { status: 200, body: { items: [], cursor: null } });
    await client().listMessages({ accountId: 'a', after: new Date('2026-07-01T00:00:00.5Z'), limit: 250 });
    expect(Object.fromEntries(requests[0].query)).toEqual({ account_id: 'a', after: '2026-07-01T00:00:00.500Z', limit: '250' });
  });

  it('starts a chat as multipart with repeated attendees_ids and bracketed LinkedIn options', async () => {
    const { requests } = fakeUnipile('POST', '/chats', { status: 201, body: sendResponses.chatStarted });
    const result = await client().startChat({
      accountId: 'acc',
      attendeeIds: ['ACoAA1', 'ACoAA2'],
      text: 'Hello',
      subject: 'Quick question',
      linkedin: { api: 'classic', inmail: true },
      attachments: [{ name: 'deck.pdf', data: Buffer.from([0x25, 0x50, 0xff]), mimeType: 'application/pdf' }],
    });
    expect(result).toMatchObject({ chat_id: 'vISKyHtDUmagrk6vrnlXhw', message_id: '3aRdnf34UiympaebB4-NRA' });
    expect(requests[0].headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(await fieldsOf(await formOf(requests[0]))).toEqual([
      ['account_id', 'acc'],
      ['text', 'Hello'],
      ['subject', 'Quick question'],
      ['attendees_ids', 'ACoAA1'],
      ['attendees_ids', 'ACoAA2'],
      ['linkedin[api]', 'classic'],
      ['linkedin[inmail]', 'true'],
      ['attachments', `file:deck.pdf:application/pdf:${Buffer.from([0x25, 0x50, 0xff]).toString('base64')}`],
    ]);
  });

  it('sends in a chat as multipart', async () => {
    const { requests } = fakeUnipile('POST', '/chats/ch%201/messages', { status: 200, body: sendResponses.messageSent });
    const result = await client().sendMessage('ch 1', { text: 'Following up', threadId: 't1' });
    expect(result.message_id).toBe('3aRdnf34UiympaebB4-NRA');
    expect(await fieldsOf(await formOf(requests[0]))).toEqual([
      ['text', 'Following up'],
      ['thread_id', 't1'],
    ]);
  });

  it('sends an invitation as JSON', async () => {
    const { requests } = fakeUnipile('POST', '/users/invite', { status: 201, body: { ...sendResponses.invitationSent, usage: 50 } });
    const result = await client().sendInvitation({ accountId: 'acc', providerId: 'ACoAA1', message: 'Hi Jane' });
    expect(result.invitation_id).toBe('7221821214065876992');
    expect(requests[0].headers['content-type']).toBe('application/json');
    expect(requests[0].body).toEqual({ provider_id: 'ACoAA1', account_id: 'acc', message: 'Hi Jane' });
  });

  it(`refuses an invitation note over ${INVITATION_NOTE_MAX} characters before any request`, async () => {
    const { scope } = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const error = await rejection(client().sendInvitation({ accountId: 'acc', providerId: 'ACoAA1', message: 'é'.repeat(301) }));
    expect(error).toMatchObject({ class: 'invalid_request', type: 'sequencer/note_too_long', reachedProvider: false });
    expect(error.detail).toMatch(/301 characters, LinkedIn allows at most 300/);
    expect(scope.isDone()).toBe(false);
    // exactly 300 (counted in characters, not UTF-16 units) goes through
    await client().sendInvitation({ accountId: 'acc', providerId: 'ACoAA1', message: '😀'.repeat(300) });
    expect(scope.isDone()).toBe(true);
  });

  it('gets a profile by slug with its options', async () => {
    const { requests } = fakeUnipile('GET', '/users/jane-doe', {
      status: 200,
      body: { object: 'UserProfile', provider: 'LINKEDIN', provider_id: 'ACoAA1', public_identifier: 'jane-doe', first_name: 'Jane', is_open_profile: true },
    });
    const profile = await client().getProfile('jane-doe', { accountId: 'acc', linkedinApi: 'sales_navigator', linkedinSections: '*', notify: false });
    expect(Object.fromEntries(requests[0].query)).toEqual({ account_id: 'acc', linkedin_api: 'sales_navigator', linkedin_sections: '*', notify: 'false' });
    expect(profile).toMatchObject({ provider_id: 'ACoAA1', is_open_profile: true });
  });

  it('lists relations and sent invitations, and cancels one', async () => {
    const relations = fakeUnipile('GET', '/users/relations', {
      status: 200,
      body: { object: 'UserRelationsList', items: [{ member_id: 'ACoAA1', public_identifier: 'jane', created_at: 1751360000000 }], cursor: null },
    });
    const sent = fakeUnipile('GET', '/users/invite/sent', { status: 200, body: { object: 'InvitationList', items: [{ id: 123, invited_user_id: 'ACoAA2' }], cursor: null } });
    const cancel = fakeUnipile('DELETE', '/users/invite/sent/123', { status: 200, body: { object: 'InvitationCanceled' } });
    await client().listRelations({ accountId: 'acc', limit: 1000 });
    const invitations = await client().listSentInvitations({ accountId: 'acc', limit: 100, cursor: 'c' });
    await client().cancelInvitation(invitations.items[0].id, { accountId: 'acc' });
    expect(Object.fromEntries(relations.requests[0].query)).toEqual({ account_id: 'acc', limit: '1000' });
    expect(Object.fromEntries(sent.requests[0].query)).toEqual({ account_id: 'acc', limit: '100', cursor: 'c' });
    expect(invitations.items[0].id).toBe('123');
    expect(cancel.requests[0].method).toBe('DELETE');
    expect(Object.fromEntries(cancel.requests[0].query)).toEqual({ account_id: 'acc' });
  });

  it('sends an email as multipart with JSON-string address, header and tracking fields', async () => {
    const { requests } = fakeUnipile('POST', '/emails', { status: 200, body: sendResponses.emailSent });
    const result = await client().sendEmail({
      accountId: 'mail1',
      subject: 'Hello',
      body: '<p>Hi Jane</p>',
      to: [{ identifier: 'jane@acme.com', displayName: 'Jane Prospect' }],
      cc: [{ identifier: 'boss@acme.com' }],
      bcc: [{ identifier: 'crm@us.com' }],
      from: { identifier: 'me@us.com', displayName: 'Me' },
      replyTo: 'email-id-1',
      customHeaders: [{ name: 'X-Campaign', value: '42' }],
      trackingOptions: { opens: true, links: true, label: 'seq:1' },
    });
    expect(result.tracking_id).toBe('Z-4Nx5bMR86b9NVCloU1gg');
    expect(await fieldsOf(await formOf(requests[0]))).toEqual([
      ['account_id', 'mail1'],
      ['subject', 'Hello'],
      ['body', '<p>Hi Jane</p>'],
      ['to', JSON.stringify([{ display_name: 'Jane Prospect', identifier: 'jane@acme.com' }])],
      ['cc', JSON.stringify([{ identifier: 'boss@acme.com' }])],
      ['bcc', JSON.stringify([{ identifier: 'crm@us.com' }])],
      ['from', JSON.stringify({ display_name: 'Me', identifier: 'me@us.com' })],
      ['reply_to', 'email-id-1'],
      ['custom_headers', JSON.stringify([{ name: 'X-Campaign', value: '42' }])],
      ['tracking_options', JSON.stringify({ opens: true, links: true, label: 'seq:1' })],
    ]);
  });

  it('lists, creates (JSON) and deletes webhooks', async () => {
    const list = fakeUnipile('GET', '/webhooks', { status: 200, body: { object: 'WebhookList', items: [{ id: 'wh1', source: 'messaging' }], cursor: null } });
    const create = fakeUnipile('POST', '/webhooks', { status: 201, body: { object: 'WebhookCreated', webhook_id: 'wh2' } });
    const remove = fakeUnipile('DELETE', '/webhooks/wh1', { status: 200, body: { object: 'WebhookDeleted' } });
    const hooks = await client().listWebhooks({ limit: 100 });
    const created = await client().createWebhook({
      requestUrl: 'https://runtime.example/webhooks/unipile',
      source: 'messaging',
      name: 'sequencer-messaging',
      events: ['message_received'],
      headers: [
        { key: 'X-Webhook-Secret', value: 's3cret' },
        { key: 'Content-Type', value: 'application/json' },
      ],
    });
    await client().deleteWebhook('wh1');
    expect(hooks.items.map((h) => h.id)).toEqual(['wh1']);
    expect(Object.fromEntries(list.requests[0].query)).toEqual({ limit: '100' });
    expect(created.webhook_id).toBe('wh2');
    expect(create.requests[0].body).toEqual({
      request_url: 'https://runtime.example/webhooks/unipile',
      source: 'messaging',
      name: 'sequencer-messaging',
      events: ['message_received'],
      headers: [
        { key: 'X-Webhook-Secret', value: 's3cret' },
        { key: 'Content-Type', value: 'application/json' },
      ],
    });
    expect(remove.requests).toHaveLength(1);
  });

  it('pages through a cursor list until the cursor is null', async () => {
    const first = fakeUnipile('GET', '/chats', { status: 200, body: { items: [{ id: 'c1', account_id: 'a' }], cursor: 'p2' } });
    const ids: string[] = [];
    for await (const chat of paginate((cursor) => {
      if (cursor === 'p2') fakeUnipile('GET', '/chats', { status: 200, body: { items: [{ id: 'c2', account_id: 'a' }, { id: 'c3', account_id: 'a' }], cursor: null } });
      return client().listChats({ accountId: 'a', cursor });
    })) {
      ids.push(chat.id);
    }
    expect(ids).toEqual(['c1', 'c2', 'c3']);
    expect(first.requests[0].query.get('cursor')).toBeNull();
  });

  it('reports a read body that lacks what we rely on as an unexpected response', async () => {
    fakeUnipile('GET', '/accounts', { status: 200, body: { object: 'AccountList', items: [{ name: 'no id' }] } });
    const error = await rejection(client().listAccounts());
    expect(error).toMatchObject({ class: 'invalid_request', type: 'sequencer/unexpected_response' });
    expect(error.detail).toMatch(/items\.0\.id/);
  });

  it('treats a send with an unexpected body as sent, without ids', async () => {
    fakeUnipile('POST', '/chats/ch1/messages', { status: 200, body: 'ok' });
    expect(await client().sendMessage('ch1', { text: 'x' })).toEqual({});
  });
});

describe('error classes', () => {
  const cases: Array<[number, string, UnipileErrorClass]> = [
    [401, 'errors/missing_credentials', 'reconnect_needed'],
    [401, 'errors/disconnected_account', 'reconnect_needed'],
    [403, 'errors/account_restricted', 'reconnect_needed'],
    [403, 'errors/feature_not_subscribed', 'invalid_request'],
    [422, 'errors/invalid_recipient', 'recipient_permanent'],
    [422, 'errors/blocked_recipient', 'recipient_permanent'],
    [422, 'errors/user_unreachable', 'recipient_permanent'],
    [422, 'errors/no_connection_with_recipient', 'recipient_permanent'],
    [422, 'errors/not_allowed_inmail', 'recipient_permanent'],
    [422, 'errors/cannot_invite_attendee', 'recipient_permanent'],
    [422, 'errors/already_invited_recently', 'recipient_permanent'],
    [422, 'errors/limit_exceeded', 'quota'],
    [422, 'errors/cannot_resend_yet', 'quota'],
    [422, 'errors/insufficient_credits', 'quota'],
    [429, 'errors/too_many_requests', 'quota'],
    [500, 'errors/unexpected_error', 'transient'],
    [503, 'errors/no_client_session', 'transient'],
    [504, 'errors/request_timeout', 'transient'],
    [400, 'errors/invalid_parameters', 'invalid_request'],
    [404, 'errors/resource_not_found', 'invalid_request'],
    [415, 'errors/unsupported_media_type', 'invalid_request'],
    [422, 'errors/invalid_account', 'invalid_request'],
    [501, 'errors/feature_not_implemented', 'invalid_request'],
  ];

  it.each(cases)('%i %s → %s on a read, with status, type, title and detail', async (status, type, expected) => {
    fakeUnipile('GET', '/accounts', { status, body: { status, type, title: 'Some title', detail: 'Some detail' } });
    const error = await rejection(client({ retry: { attempts: 1 } }).listAccounts());
    expect(error).toMatchObject({ class: expected, status, type, title: 'Some title', detail: 'Some detail', operation: 'accounts.list' });
    expect(classifyUnipileError(status, type)).toBe(expected);
  });

  it.each(cases)('%i %s on a send', async (status, type, expected) => {
    fakeUnipile('POST', '/users/invite', { status, body: { status, type, title: 'Some title' } });
    const error = await rejection(client().sendInvitation({ accountId: 'acc', providerId: 'ACoAA1' }));
    expect(error.class).toBe(expected === 'transient' ? 'unknown_outcome' : expected);
  });

  it('carries Retry-After as a date', async () => {
    fakeUnipile('POST', '/chats', { status: 429, body: { status: 429, type: 'errors/too_many_requests' }, headers: { 'Retry-After': '120' } });
    const before = Date.now();
    const error = await rejection(client().startChat({ accountId: 'acc', attendeeIds: ['ACoAA1'], text: 'x' }));
    expect(error.class).toBe('quota');
    expect(error.retryAfter!.getTime()).toBeGreaterThanOrEqual(before + 119_000);
    expect(error.retryAfter!.getTime()).toBeLessThanOrEqual(Date.now() + 120_000);
  });

  it('classifies a status without an envelope by its status', async () => {
    nock(ORIGIN).get('/api/v1/accounts').reply(502, '<html>Bad gateway</html>');
    const error = await rejection(client({ retry: { attempts: 1 } }).listAccounts());
    expect(error).toMatchObject({ class: 'transient', status: 502 });
  });
});

describe('retries', () => {
  it('retries a read after a transient failure with backoff', async () => {
    const failing = fakeUnipile('GET', '/chats/ch1', { status: 503, body: { status: 503, type: 'errors/service_unavailable' } });
    const ok = fakeUnipile('GET', '/chats/ch1', { status: 200, body: { id: 'ch1', account_id: 'a' } });
    const chat = await client({ retry: { attempts: 3, baseDelayMs: 100 } }).getChat('ch1');
    expect(chat.id).toBe('ch1');
    expect(failing.requests).toHaveLength(1);
    expect(ok.requests).toHaveLength(1);
    expect(sleeps).toEqual([100]);
  });

  it('waits for Retry-After before retrying a read', async () => {
    fakeUnipile('GET', '/accounts', { status: 429, body: { status: 429, type: 'errors/too_many_requests' }, headers: { 'Retry-After': '2' } });
    fakeUnipile('GET', '/accounts', { status: 200, body: { items: [], cursor: null } });
    await client().listAccounts();
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(1000);
    expect(sleeps[0]).toBeLessThanOrEqual(2000);
  });

  it('gives up after the last attempt', async () => {
    const { requests } = fakeUnipile('GET', '/accounts', { status: 500, body: { status: 500, type: 'errors/unexpected_error' } }, 3);
    const error = await rejection(client({ retry: { attempts: 3, baseDelayMs: 10 } }).listAccounts());
    expect(error.class).toBe('transient');
    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([10, 20]);
  });

  it('does not retry when Retry-After is longer than the longest wait', async () => {
    const { requests } = fakeUnipile('GET', '/accounts', { status: 429, body: { type: 'errors/too_many_requests' }, headers: { 'Retry-After': '3600' } }, 2);
    const error = await rejection(client({ retry: { maxDelayMs: 5000 } }).listAccounts());
    expect(error.class).toBe('quota');
    expect(requests).toHaveLength(1);
  });

  it('does not retry a read the caller must fix', async () => {
    const { requests } = fakeUnipile('GET', '/accounts', { status: 400, body: { type: 'errors/invalid_parameters' } }, 2);
    await rejection(client().listAccounts());
    expect(requests).toHaveLength(1);
  });

  it('retries a read after a network error', async () => {
    nock(ORIGIN).get('/api/v1/accounts').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    fakeUnipile('GET', '/accounts', { status: 200, body: { items: [], cursor: null } });
    await client().listAccounts();
    expect(sleeps).toHaveLength(1);
  });

  it('never retries a send after a 5xx: the outcome is unknown', async () => {
    const { requests } = fakeUnipile('POST', '/chats/ch1/messages', { status: 503, body: { status: 503, type: 'errors/network_down' } }, 2);
    const error = await rejection(client().sendMessage('ch1', { text: 'x' }));
    expect(error).toMatchObject({ class: 'unknown_outcome', status: 503, type: 'errors/network_down', reachedProvider: true });
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('never retries a send after a network error once connected: the outcome is unknown', async () => {
    nock(ORIGIN).post('/api/v1/emails').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const second = fakeUnipile('POST', '/emails', { status: 200, body: sendResponses.emailSent });
    const error = await rejection(client().sendEmail({ accountId: 'm', body: 'x', to: [{ identifier: 'a@b.co' }] }));
    expect(error).toMatchObject({ class: 'unknown_outcome', type: 'sequencer/network_error' });
    expect(second.requests).toHaveLength(0);
  });

  it('never retries a send that timed out: the outcome is unknown', async () => {
    nock(ORIGIN).post('/api/v1/users/invite').delay(300).reply(201, sendResponses.invitationSent);
    const error = await rejection(client({ timeoutMs: 20 }).sendInvitation({ accountId: 'acc', providerId: 'ACoAA1' }));
    expect(error).toMatchObject({ class: 'unknown_outcome', type: 'sequencer/timeout' });
  });

  it('reports a send refused before it left as a definite, transient failure', async () => {
    // Nothing listens on a just-freed loopback port: the connection is refused, no byte reaches anyone.
    const refused = new UnipileClient({ dsn: `http://127.0.0.1:${await freePort()}`, apiKey: API_KEY });
    const error = await rejection(refused.sendMessage('ch1', { text: 'x' }));
    expect(error).toMatchObject({ class: 'transient', reachedProvider: false });
    expect(error.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('metrics', () => {
  it('counts calls by operation and status', async () => {
    const metrics = createMetrics();
    fakeUnipile('GET', '/accounts', { status: 503, body: {} });
    fakeUnipile('GET', '/accounts', { status: 200, body: { items: [], cursor: null } });
    fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const c = client({ metrics });
    await c.listAccounts();
    await c.sendInvitation({ accountId: 'acc', providerId: 'ACoAA1' });
    const values = (await metrics.unipileCalls.get()).values.map((v) => [v.labels.operation, v.labels.status, v.value]);
    expect(values).toEqual(
      expect.arrayContaining([
        ['accounts.list', '503', 1],
        ['accounts.list', '200', 1],
        ['users.invite', '201', 1],
      ]),
    );
  });
});
