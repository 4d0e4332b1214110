import { randomUUID } from 'node:crypto';
import nock from 'nock';
import type { Identity } from '../../runtime/contacts/identity';
import { upsertContacts } from '../../runtime/contacts/upsert';
import { q } from '../../runtime/db/identifier';
import { activeCooldown } from '../../runtime/limits/cooldown';
import { lookupProfiles } from '../../runtime/outbound/profiles';
import { sendOutbound } from '../../runtime/outbound/send';
import type { OutboundIntent, OutboundResult } from '../../runtime/outbound/types';
import { UnipileClient } from '../../runtime/unipile/client';
import { openTestDb, type TestDb } from '../support/db';
import { API_KEY, DSN, accountList, fakeUnipile, fieldsOf, formOf, linkedinProfile, sendResponses } from '../support/unipile';

let db: TestDb;
const client = new UnipileClient({ dsn: DSN, apiKey: API_KEY, sleep: async () => undefined });
const ACCOUNT = 'Yk08cDzzdsqs9_8ds';
const PROVIDER_ID = 'ACoAAProspectMemberId02';

beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await db.close();
});

async function knownAccount(id = ACCOUNT, provider = 'LINKEDIN'): Promise<string> {
  await db.pool.query(`INSERT INTO ${q(db.schema)}.accounts (id, provider) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [id, provider]);
  return id;
}

async function contactWith(identities: Identity[], options: { doNotContact?: boolean; fullName?: string } = {}): Promise<string> {
  const [match] = await upsertContacts(db.pool, db.schema, [{ fullName: options.fullName ?? 'Jane Prospect', identities }]);
  if (options.doNotContact) {
    await db.pool.query(`UPDATE ${q(db.schema)}.contacts SET do_not_contact = true, do_not_contact_reason = 'asked' WHERE id = $1`, [match.contactId]);
  }
  return match.contactId;
}

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

async function enrollmentOf(contactId: string, status = 'active', stopReason: string | null = null): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `WITH s AS (INSERT INTO ${q(db.schema)}.sequences (key, name) VALUES ($1, 'Outreach') RETURNING id)
     INSERT INTO ${q(db.schema)}.enrollments (sequence_id, contact_id, account_id, status, stop_reason, current_step)
     SELECT s.id, $2, NULL, $3, $4, 'intro' FROM s RETURNING id`,
    [unique('seq'), contactId, status, stopReason],
  );
  return rows[0].id;
}

async function messageRows(key: string) {
  const { rows } = await db.pool.query(`SELECT * FROM ${q(db.schema)}.messages WHERE idempotency_key = $1`, [key]);
  return rows;
}

function only(results: OutboundResult[]): OutboundResult {
  expect(results).toHaveLength(1);
  return results[0];
}

const linkedin = (value = PROVIDER_ID): Identity => ({ kind: 'linkedin', value });

describe('sending at most once', () => {
  it('starts a LinkedIn chat for a dispatched contact and records UniPile ids', async () => {
    const contactId = await contactWith([linkedin(), { kind: 'email', value: 'jane@acme.com' }]);
    const enrollmentId = await enrollmentOf(contactId);
    const accounts = fakeUnipile('GET', '/accounts', { status: 200, body: accountList([{ id: ACCOUNT, type: 'LINKEDIN' }]) });
    const chats = fakeUnipile('POST', '/chats', { status: 201, body: sendResponses.chatStarted });

    const result = only(
      await sendOutbound(db, client, [
        {
          accountId: ACCOUNT,
          idempotencyKey: `${enrollmentId}:intro`,
          contactId,
          enrollmentId,
          step: 'intro',
          content: { operation: 'start_chat', channel: 'linkedin', text: 'Hi Jane' },
        },
      ]),
    );

    expect(result.outcome).toBe('sent');
    expect(accounts.requests).toHaveLength(1);
    expect(await fieldsOf(await formOf(chats.requests[0]))).toEqual([
      ['account_id', ACCOUNT],
      ['text', 'Hi Jane'],
      ['attendees_ids', PROVIDER_ID],
      ['linkedin[api]', 'classic'],
    ]);
    const [row] = await messageRows(`${enrollmentId}:intro`);
    expect(row).toMatchObject({
      direction: 'out',
      status: 'sent',
      account_id: ACCOUNT,
      contact_id: contactId,
      enrollment_id: enrollmentId,
      step: 'intro',
      channel: 'linkedin',
      action: 'message',
      text: 'Hi Jane',
      provider_message_id: sendResponses.chatStarted.message_id,
      provider_chat_id: sendResponses.chatStarted.chat_id,
      error: null,
    });
    expect(row.sent_at).toBeInstanceOf(Date);
    const { rows: accountRows } = await db.pool.query(`SELECT provider FROM ${q(db.schema)}.accounts WHERE id = $1`, [ACCOUNT]);
    expect(accountRows[0].provider).toBe('LINKEDIN');

    // The follow-up goes to the chat just opened, found from the contact.
    const followUp = fakeUnipile('POST', `/chats/${sendResponses.chatStarted.chat_id}/messages`, { status: 200, body: sendResponses.messageSent });
    const next = only(
      await sendOutbound(db, client, [
        { accountId: ACCOUNT, idempotencyKey: `${enrollmentId}:follow-up`, contactId, enrollmentId, step: 'follow-up', content: { operation: 'message', text: 'Any thoughts?' } },
      ]),
    );
    expect(next.outcome).toBe('sent');
    expect(await fieldsOf(await formOf(followUp.requests[0]))).toEqual([['text', 'Any thoughts?']]);
  });

  it('answers a repeat from the row without any HTTP call', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAARepeat0000001')]);
    const intent: OutboundIntent = { accountId: ACCOUNT, idempotencyKey: unique('repeat'), contactId, content: { operation: 'invitation', note: 'Hello' } };
    const invite = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const first = only(await sendOutbound(db, client, [intent]));
    expect(first.outcome).toBe('sent');

    const repeat = only(await sendOutbound(db, client, [intent]));
    expect(repeat.outcome).toBe('duplicate');
    expect(repeat.outcome === 'duplicate' && repeat.message).toMatchObject({ status: 'sent', invitationId: '7221821214065876992' });
    expect(invite.requests).toHaveLength(1);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('makes exactly one provider call when executions race with the same key', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAARace000000001')]);
    const key = unique('race');
    const invite = nock('https://api1.unipile.com:13111').post('/api/v1/users/invite').delay(150).times(5).reply(201, sendResponses.invitationSent);
    const intent: OutboundIntent = { accountId: ACCOUNT, idempotencyKey: key, contactId, content: { operation: 'invitation' } };

    const results = (await Promise.all(Array.from({ length: 5 }, () => sendOutbound(db, client, [intent])))).map(only);

    expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'sent']);
    expect(invite.pendingMocks()).toHaveLength(1); // 4 of the 5 allowed calls never happened
    expect(await messageRows(key)).toHaveLength(1);
    nock.cleanAll();
  });

  it('sends a repeated key only once inside one batch', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAABatch00000001')]);
    const invite = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent }, 2);
    const intent: OutboundIntent = { accountId: ACCOUNT, idempotencyKey: unique('batch'), contactId, content: { operation: 'invitation' } };
    const results = await sendOutbound(db, client, [intent, intent]);
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'duplicate']);
    expect(invite.requests).toHaveLength(1);
  });

  it('records a definite refusal as failed, and sends again when the key is retried', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAARetry00000001')]);
    const intent: OutboundIntent = { accountId: ACCOUNT, idempotencyKey: unique('retry'), contactId, content: { operation: 'invitation' } };
    fakeUnipile('POST', '/users/invite', { status: 422, body: { status: 422, type: 'errors/invalid_recipient', title: 'Invalid recipient' } });
    const first = only(await sendOutbound(db, client, [intent]));
    expect(first.outcome).toBe('failed');
    expect(first.outcome === 'failed' && first.error.class).toBe('recipient_permanent');
    const [failed] = await messageRows(intent.idempotencyKey);
    expect(failed).toMatchObject({ status: 'failed', error: expect.objectContaining({ class: 'recipient_permanent', type: 'errors/invalid_recipient', status: 422 }) });

    const again = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const second = only(await sendOutbound(db, client, [intent]));
    expect(second.outcome).toBe('sent');
    expect(again.requests).toHaveLength(1);
    const rows = await messageRows(intent.idempotencyKey);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: failed.id, status: 'sent', error: null });
  });

  it('records an ambiguous outcome as unknown and never sends it again', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAAUnknown000001')]);
    const intent: OutboundIntent = { accountId: ACCOUNT, idempotencyKey: unique('unknown'), contactId, content: { operation: 'start_chat', channel: 'linkedin', text: 'Hi' } };
    const chats = fakeUnipile('POST', '/chats', { status: 504, body: { status: 504, type: 'errors/request_timeout' } }, 2);
    const first = only(await sendOutbound(db, client, [intent]));
    expect(first.outcome).toBe('unknown');
    expect(first.outcome === 'unknown' && first.error.class).toBe('unknown_outcome');

    const repeat = only(await sendOutbound(db, client, [intent]));
    expect(repeat).toMatchObject({ outcome: 'duplicate', message: { status: 'unknown' } });
    expect(chats.requests).toHaveLength(1);
  });
});

describe('re-checks just before sending', () => {
  it('skips a do-not-contact contact without a row or a call', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAADnc0000000001')], { doNotContact: true });
    const key = unique('dnc');
    const result = only(await sendOutbound(db, client, [{ accountId: ACCOUNT, idempotencyKey: key, contactId, content: { operation: 'invitation' } }]));
    expect(result).toEqual({ outcome: 'skipped', reason: 'do_not_contact', enrollmentStatus: null });
    expect(await messageRows(key)).toHaveLength(0);
  });

  it('finds do-not-contact through the identity graph when the recipient is typed in', async () => {
    await knownAccount('mail-1', 'GOOGLE_OAUTH');
    await contactWith([{ kind: 'email', value: 'optout@acme.com' }], { doNotContact: true });
    const result = only(
      await sendOutbound(db, client, [
        { accountId: 'mail-1', idempotencyKey: unique('dnc-mail'), identities: [{ kind: 'email', value: 'optout@acme.com' }], content: { operation: 'email', subject: 'Hi', html: '<p>Hi</p>' } },
      ]),
    );
    expect(result).toMatchObject({ outcome: 'skipped', reason: 'do_not_contact' });
  });

  it('skips a stopped enrollment with its stop reason', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAAStopped000001')]);
    const enrollmentId = await enrollmentOf(contactId, 'stopped', 'replied');
    const result = only(
      await sendOutbound(db, client, [
        { accountId: ACCOUNT, idempotencyKey: `${enrollmentId}:intro`, contactId, enrollmentId, step: 'intro', content: { operation: 'invitation' } },
      ]),
    );
    expect(result).toEqual({ outcome: 'skipped', reason: 'replied', enrollmentStatus: 'stopped' });
    expect(await messageRows(`${enrollmentId}:intro`)).toHaveLength(0);
  });

  it('waits for a stop being committed at that moment and then skips', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAAStopRace00001')]);
    const enrollmentId = await enrollmentOf(contactId);
    const invite = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const stopper = await db.pool.connect();
    try {
      await stopper.query('BEGIN');
      await stopper.query(`UPDATE ${q(db.schema)}.enrollments SET status = 'stopped', stop_reason = 'replied' WHERE id = $1`, [enrollmentId]);
      const sending = sendOutbound(db, client, [{ accountId: ACCOUNT, idempotencyKey: `${enrollmentId}:intro`, contactId, enrollmentId, content: { operation: 'invitation' } }]);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the claim is now waiting on the row lock
      await stopper.query('COMMIT');
      expect(only(await sending)).toEqual({ outcome: 'skipped', reason: 'replied', enrollmentStatus: 'stopped' });
    } finally {
      stopper.release();
    }
    expect(invite.requests).toHaveLength(0);
  });

  it('reports an enrollment that does not exist as bad input', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAANoEnrollment1')]);
    const enrollmentId = randomUUID();
    const result = only(await sendOutbound(db, client, [{ accountId: ACCOUNT, idempotencyKey: `${enrollmentId}:intro`, contactId, enrollmentId, content: { operation: 'invitation' } }]));
    expect(result).toMatchObject({ outcome: 'invalid', error: { code: 'enrollment_not_found' } });
  });
});

describe('bad input', () => {
  it('names the missing identity', async () => {
    await knownAccount();
    const contactId = await contactWith([{ kind: 'email', value: 'noli@acme.com' }]);
    const result = only(await sendOutbound(db, client, [{ accountId: ACCOUNT, idempotencyKey: unique('missing'), contactId, content: { operation: 'invitation' } }]));
    expect(result.outcome).toBe('invalid');
    const error = result.outcome === 'invalid' ? result.error : undefined;
    expect(error?.code).toBe('missing_identity');
    expect(error?.message).toMatch(/^missing_identity: contact .+ has no LinkedIn provider id \(identity "linkedin", ACoAA…\) and no public profile slug/);
  });

  it('refuses a note over 300 characters before any HTTP call', async () => {
    const result = only(
      await sendOutbound(db, client, [{ accountId: 'acc-not-checked', idempotencyKey: unique('note'), identities: [linkedin()], content: { operation: 'invitation', note: 'x'.repeat(301) } }]),
    );
    expect(result).toMatchObject({ outcome: 'invalid', error: { code: 'invalid_input' } });
    expect(result.outcome === 'invalid' && result.error.message).toMatch(/301 characters, LinkedIn allows at most 300/);
  });

  it('lists the accounts the credential sees when the account is unknown', async () => {
    fakeUnipile('GET', '/accounts', { status: 200, body: accountList([{ id: 'acc-a', type: 'LINKEDIN' }, { id: 'acc-b', type: 'WHATSAPP' }]) });
    const key = unique('unknown-account');
    const result = only(await sendOutbound(db, client, [{ accountId: 'acc-typo', idempotencyKey: key, identities: [linkedin()], content: { operation: 'invitation' } }]));
    expect(result).toMatchObject({ outcome: 'invalid', error: { code: 'unknown_account' } });
    expect(result.outcome === 'invalid' && result.error.message).toMatch(/acc-typo.*it sees acc-a, acc-b/);
    expect(await messageRows(key)).toHaveLength(0);
  });

  it('returns one result per intent, in input order', async () => {
    await knownAccount();
    const ok = await contactWith([linkedin('ACoAAOrder00000001')]);
    const dnc = await contactWith([linkedin('ACoAAOrder00000002')], { doNotContact: true });
    fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const results = await sendOutbound(db, client, [
      { accountId: ACCOUNT, idempotencyKey: unique('o1'), contactId: dnc, content: { operation: 'invitation' } },
      { accountId: ACCOUNT, idempotencyKey: '', contactId: ok, content: { operation: 'invitation' } },
      { accountId: ACCOUNT, idempotencyKey: unique('o3'), contactId: ok, content: { operation: 'invitation' } },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['skipped', 'invalid', 'sent']);
  });
});

describe('cooldowns', () => {
  it('cools the action down for a day on limit_exceeded', async () => {
    const account = await knownAccount('acc-quota');
    const contactId = await contactWith([linkedin('ACoAAQuota00000001')]);
    fakeUnipile('POST', '/users/invite', { status: 422, body: { status: 422, type: 'errors/limit_exceeded', title: 'Limit exceeded' } });
    const result = only(await sendOutbound(db, client, [{ accountId: account, idempotencyKey: unique('quota'), contactId, content: { operation: 'invitation' } }]));
    expect(result.outcome).toBe('failed');
    const cooldown = await activeCooldown(db.pool, db.schema, { accountId: account, action: 'invitation' });
    expect(cooldown?.reason).toBe('limit_exceeded');
    expect(cooldown!.until.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    expect(await activeCooldown(db.pool, db.schema, { accountId: account, action: 'message' })).toBeNull();
  });

  it('cools down until Retry-After on a 429', async () => {
    const account = await knownAccount('acc-429', 'WHATSAPP');
    fakeUnipile('POST', '/chats/wa-chat/messages', { status: 429, body: { status: 429, type: 'errors/too_many_requests' }, headers: { 'Retry-After': '600' } });
    const result = only(await sendOutbound(db, client, [{ accountId: account, idempotencyKey: unique('429'), content: { operation: 'message', chatId: 'wa-chat', text: 'Hi' } }]));
    expect(result.outcome === 'failed' && result.error.class).toBe('quota');
    const cooldown = await activeCooldown(db.pool, db.schema, { accountId: account, action: 'whatsapp' });
    expect(cooldown?.reason).toBe('too_many_requests');
    expect(cooldown!.until.getTime()).toBeGreaterThan(Date.now() + 500_000);
    expect(cooldown!.until.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);
    // the failure says when to try again: when the cooldown it caused ends
    expect(result.outcome === 'failed' && result.retryAt).toEqual(cooldown!.until);
  });

  it('does not cool the account down for a recipient-specific cannot_resend_yet', async () => {
    const account = await knownAccount('acc-resend');
    const contactId = await contactWith([linkedin('ACoAAResend0000001')]);
    fakeUnipile('POST', '/users/invite', { status: 422, body: { status: 422, type: 'errors/cannot_resend_yet' } });
    await sendOutbound(db, client, [{ accountId: account, idempotencyKey: unique('resend'), contactId, content: { operation: 'invitation' } }]);
    expect(await activeCooldown(db.pool, db.schema, { accountId: account, action: 'invitation' })).toBeNull();
  });
});

describe('dry run', () => {
  it('records dry_run rows without any HTTP call, even for an account not yet known', async () => {
    const contactId = await contactWith([linkedin('ACoAADry0000000001')]);
    const intent: OutboundIntent = { accountId: 'acc-dry', idempotencyKey: unique('dry'), contactId, content: { operation: 'start_chat', channel: 'linkedin', text: 'Hi' } };
    const result = only(await sendOutbound({ ...db, dryRun: true }, client, [intent]));
    expect(result).toMatchObject({ outcome: 'dry_run', message: { status: 'dry_run', providerMessageId: null } });
    expect(await messageRows(intent.idempotencyKey)).toEqual([expect.objectContaining({ status: 'dry_run', sent_at: null })]);

    // A real send of the same key afterwards goes out once.
    fakeUnipile('GET', '/accounts', { status: 200, body: accountList([{ id: 'acc-dry', type: 'LINKEDIN' }]) });
    const chats = fakeUnipile('POST', '/chats', { status: 201, body: sendResponses.chatStarted });
    expect(only(await sendOutbound(db, client, [intent])).outcome).toBe('sent');
    expect(only(await sendOutbound({ ...db, dryRun: true }, client, [intent])).outcome).toBe('duplicate');
    expect(chats.requests).toHaveLength(1);
  });
});

describe('identities on the way', () => {
  it('resolves a public slug just before inviting, stores the provider id and records invitation_sent', async () => {
    await knownAccount();
    const contactId = await contactWith([{ kind: 'linkedin_public', value: 'jane-slug' }]);
    const profile = fakeUnipile('GET', '/users/jane-slug', { status: 200, body: linkedinProfile('ACoAASlugResolved01', 'jane-slug') });
    const invite = fakeUnipile('POST', '/users/invite', { status: 201, body: sendResponses.invitationSent });
    const key = unique('slug');

    const result = only(await sendOutbound(db, client, [{ accountId: ACCOUNT, idempotencyKey: key, contactId, content: { operation: 'invitation', note: 'Hi Jane' } }]));

    expect(result).toMatchObject({ outcome: 'sent', message: { invitationId: '7221821214065876992', action: 'invitation', channel: 'linkedin' } });
    expect(profile.requests[0].query.get('account_id')).toBe(ACCOUNT);
    expect(invite.requests[0].body).toEqual({ provider_id: 'ACoAASlugResolved01', account_id: ACCOUNT, message: 'Hi Jane' });
    const { rows: identities } = await db.pool.query(`SELECT kind, value FROM ${q(db.schema)}.contact_identities WHERE contact_id = $1 ORDER BY kind`, [contactId]);
    expect(identities).toEqual([
      { kind: 'linkedin', value: 'ACoAASlugResolved01' },
      { kind: 'linkedin_public', value: 'jane-slug' },
    ]);
    const [row] = await messageRows(key);
    const { rows: events } = await db.pool.query(`SELECT * FROM ${q(db.schema)}.engagement_events WHERE message_id = $1`, [row.id]);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'invitation_sent', contact_id: contactId, account_id: ACCOUNT, source_key: `invitation_sent:${row.id}`, data: { invitation_id: '7221821214065876992', provider_id: 'ACoAASlugResolved01' } }),
    ]);
  });

  it('profile get stores the provider id and slug on the contact of the item', async () => {
    await knownAccount();
    const contactId = await contactWith([{ kind: 'email', value: 'lookup@acme.com' }]);
    fakeUnipile('GET', '/users/jane-lookup', { status: 200, body: linkedinProfile('ACoAALookup0000001', 'jane-lookup') });
    const [result] = await lookupProfiles(db, client, [{ accountId: ACCOUNT, identifier: 'https://www.linkedin.com/in/Jane-Lookup/', contactId }]);
    expect(result).toMatchObject({ outcome: 'found', contactId, identifier: 'jane-lookup', profile: { provider_id: 'ACoAALookup0000001' } });
    const { rows } = await db.pool.query(`SELECT kind, value FROM ${q(db.schema)}.contact_identities WHERE contact_id = $1 ORDER BY kind`, [contactId]);
    expect(rows.map((r) => r.kind)).toEqual(['email', 'linkedin', 'linkedin_public']);
  });

  it('profile get without an identity says what is missing; a quota error cools profile_view down', async () => {
    const account = await knownAccount('acc-views');
    const contactId = await contactWith([{ kind: 'email', value: 'noprofile@acme.com' }]);
    fakeUnipile('GET', '/users/someone', { status: 429, body: { status: 429, type: 'errors/too_many_requests' } });
    const strict = new UnipileClient({ dsn: DSN, apiKey: API_KEY, retry: { attempts: 1 } });
    const [missing, limited] = await lookupProfiles(db, strict, [
      { accountId: account, contactId },
      { accountId: account, identifier: 'someone' },
    ]);
    expect(missing).toMatchObject({ outcome: 'invalid', error: { code: 'missing_identity' } });
    expect(limited).toMatchObject({ outcome: 'failed', error: { class: 'quota' } });
    expect(await activeCooldown(db.pool, db.schema, { accountId: account, action: 'profile_view' })).toMatchObject({ reason: 'too_many_requests' });
  });
});

describe('channels', () => {
  it('sends an email with tracking as a reply in the thread of the latest email', async () => {
    await knownAccount('mail-2', 'GOOGLE_OAUTH');
    const contactId = await contactWith([{ kind: 'email', value: 'thread@acme.com' }], { fullName: 'Tom Thread' });
    await db.pool.query(
      `INSERT INTO ${q(db.schema)}.messages (account_id, contact_id, channel, direction, status, provider_message_id, subject, sent_at)
       VALUES ('mail-2', $1, 'email', 'in', 'received', 'email-old', 'Old', now() - interval '2 days'),
              ('mail-2', $1, 'email', 'in', 'received', 'email-latest', 'Re: Intro', now() - interval '1 day')`,
      [contactId],
    );
    const emails = fakeUnipile('POST', '/emails', { status: 200, body: sendResponses.emailSent });
    const key = unique('email');
    const result = only(
      await sendOutbound(db, client, [
        {
          accountId: 'mail-2',
          idempotencyKey: key,
          contactId,
          recipientName: 'Tom Thread',
          content: { operation: 'email', html: '<p>Following up</p>', replyInThread: true, tracking: { opens: true, links: true, label: 'seq:2' } },
        },
      ]),
    );
    expect(result).toMatchObject({ outcome: 'sent', message: { trackingId: sendResponses.emailSent.tracking_id, channel: 'email', action: 'email' } });
    expect(await fieldsOf(await formOf(emails.requests[0]))).toEqual([
      ['account_id', 'mail-2'],
      ['subject', 'Re: Intro'],
      ['body', '<p>Following up</p>'],
      ['to', JSON.stringify([{ display_name: 'Tom Thread', identifier: 'thread@acme.com' }])],
      ['reply_to', 'email-latest'],
      ['tracking_options', JSON.stringify({ opens: true, links: true, label: 'seq:2' })],
    ]);
    const [row] = await messageRows(key);
    expect(row).toMatchObject({ tracking_id: sendResponses.emailSent.tracking_id, subject: 'Re: Intro', html: '<p>Following up</p>' });
  });

  it('starts a WhatsApp chat with the phone number as attendee and counts it as whatsapp', async () => {
    await knownAccount('wa-1', 'WHATSAPP');
    const contactId = await contactWith([{ kind: 'phone', value: '+33612345678' }]);
    const chats = fakeUnipile('POST', '/chats', { status: 201, body: sendResponses.chatStarted });
    const result = only(
      await sendOutbound(db, client, [{ accountId: 'wa-1', idempotencyKey: unique('wa'), contactId, content: { operation: 'start_chat', channel: 'whatsapp', text: 'Bonjour' } }]),
    );
    expect(result).toMatchObject({ outcome: 'sent', message: { action: 'whatsapp', channel: 'whatsapp' } });
    expect(await fieldsOf(await formOf(chats.requests[0]))).toEqual([
      ['account_id', 'wa-1'],
      ['text', 'Bonjour'],
      ['attendees_ids', '33612345678@s.whatsapp.net'],
    ]);
  });

  it('sends an InMail through Sales Navigator with the Sales Navigator id looked up first', async () => {
    await knownAccount();
    const contactId = await contactWith([linkedin('ACoAAClassic000001')]);
    const lookup = fakeUnipile('GET', '/users/ACoAAClassic000001', { status: 200, body: linkedinProfile('ACwAASalesNav00001', 'jane-sn') });
    const chats = fakeUnipile('POST', '/chats', { status: 201, body: sendResponses.chatStarted });
    const result = only(
      await sendOutbound(db, client, [
        {
          accountId: ACCOUNT,
          idempotencyKey: unique('inmail'),
          contactId,
          content: { operation: 'start_chat', channel: 'linkedin', linkedinApi: 'sales_navigator', inmail: true, subject: 'Quick question', text: 'Hi' },
        },
      ]),
    );
    expect(result).toMatchObject({ outcome: 'sent', message: { action: 'inmail' } });
    expect(lookup.requests[0].query.get('linkedin_api')).toBe('sales_navigator');
    expect(await fieldsOf(await formOf(chats.requests[0]))).toEqual([
      ['account_id', ACCOUNT],
      ['text', 'Hi'],
      ['subject', 'Quick question'],
      ['attendees_ids', 'ACwAASalesNav00001'],
      ['linkedin[api]', 'sales_navigator'],
      ['linkedin[inmail]', 'true'],
    ]);
    // The Sales Navigator id is not a classic provider id: the identity graph is left alone.
    const { rows } = await db.pool.query(`SELECT value FROM ${q(db.schema)}.contact_identities WHERE contact_id = $1`, [contactId]);
    expect(rows.map((r) => r.value)).toEqual(['ACoAAClassic000001']);
  });
});
