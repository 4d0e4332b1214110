import type { MessageEvent, RelationEvent, TrackingEvent } from '../../runtime/inbox/events';
import { directionOf } from '../../runtime/inbox/ingest';
import { eventFromFields, eventFromRestMessage, mappedMessageSchema, readWebhook } from '../../runtime/inbox/normalize';
import { fixture } from '../support/inbox';

const message = (body: Record<string, unknown>) => readWebhook(body).inbox as MessageEvent;

describe('routing a UniPile webhook body (DESIGN §4)', () => {
  it('routes by AccountStatus, then event, then status+name, else unknown', () => {
    expect(readWebhook(fixture('account_status'))).toMatchObject({ source: 'account_status', accountId: 'Yk08cDzzdsqs9_8ds', inbox: { type: 'account_status', status: 'CREDENTIALS' } });
    expect(readWebhook(fixture('message_received'))).toMatchObject({ source: 'messaging', event: 'message_received', inbox: { type: 'message' } });
    expect(readWebhook(fixture('new_relation'))).toMatchObject({ source: 'users', inbox: { type: 'relation' } });
    expect(readWebhook(fixture('mail_received'))).toMatchObject({ source: 'email', inbox: { type: 'message', channel: 'email' } });
    expect(readWebhook(fixture('mail_opened'))).toMatchObject({ source: 'email_tracking', inbox: { type: 'tracking', action: 'opened' } });
    expect(readWebhook(fixture('hosted_auth'))).toMatchObject({ source: 'hosted_auth', inbox: { type: 'account_status', status: 'CREATION_SUCCESS', linkName: 'workspace-7:user-12' } });
    expect(readWebhook({ something: 'else' })).toMatchObject({ source: 'unknown', inbox: { type: 'ignored' }, problem: null });
    expect(readWebhook(fixture('message_edited'))).toMatchObject({ source: 'messaging', event: 'message_edited', inbox: { type: 'ignored' } });
  });

  it('dedupes per reference §6.5: message id, email id, tracking event id, account + relation', () => {
    expect(readWebhook(fixture('message_received')).key).toBe('message_received:Yk08cDzzdsqs9_8ds:ykmhfXlRW0W_cqReJYrfBw');
    expect(readWebhook(fixture('mail_received')).key).toBe('mail_received:GxwlUMaZTHefegva16XcWw:--Rep1y___qXQKIu80oAF0lJA');
    expect(readWebhook(fixture('mail_opened')).key).toBe('mail_opened:evt_8s7d6f5g');
    expect(readWebhook(fixture('new_relation')).key).toBe('new_relation:Yk08cDzzdsqs9_8ds:ACoAAProspectMemberId02');
    // Account status has no id: the same status within a minute is one delivery, a later one is new.
    const t = new Date('2026-07-06T10:00:10Z');
    expect(readWebhook(fixture('account_status'), t).key).toBe(readWebhook(fixture('account_status'), new Date('2026-07-06T10:00:50Z')).key);
    expect(readWebhook(fixture('account_status'), t).key).not.toBe(readWebhook(fixture('account_status'), new Date('2026-07-06T11:00:10Z')).key);
  });

  it('reads a known event it cannot understand as a problem naming the field, never silently', () => {
    const d = readWebhook(fixture('message_received', { chat_id: 42 }));
    expect(d.inbox).toBeNull();
    expect(d.problem).toMatch(/^invalid message_received payload: chat_id: /);
    expect(d.key).toMatch(/^message_received:/);
  });
});

describe('tolerated variations', () => {
  it('attachments as one object, is_sender as 0/1, epoch timestamps, extra fields kept in raw', () => {
    const m = message(fixture('message_received.variant'));
    expect(m.attachments).toHaveLength(1);
    expect(m.isSender).toBe(false);
    expect(m.occurredAt.toISOString()).toBe('2026-07-06T09:43:27.002Z');
    expect(m.raw.extra_field_from_the_future).toEqual({ kept: true });
    expect(message(fixture('message_received', { is_sender: 1 })).isSender).toBe(true);
    expect(message(fixture('message_received', { is_sender: undefined })).isSender).toBeUndefined();
    // A profile URL holding the provider id is no public slug; a real slug URL is.
    expect(message(fixture('message_received')).sender!.identities).toEqual([{ kind: 'linkedin', value: 'ACoAAProspectMemberId02' }]);
    expect(m.sender!.identities).toContainEqual({ kind: 'linkedin_public', value: 'vera-variant' });
  });

  it('email id as email_id or id, in_reply_to as object or string, attendees as object or array', () => {
    const reply = message(fixture('mail_received'));
    expect(reply).toMatchObject({ messageId: '--Rep1y___qXQKIu80oAF0lJA', senderId: 'jane.prospect@acme-corp.io', inReplyTo: { id: '--0urFirst___Email0lJA' } });
    const sent = message(fixture('mail_sent'));
    expect(sent).toMatchObject({ messageId: '--0urFirst___Email0lJA', fixedDirection: 'out', trackingId: 'Z-4Nx5bMR86b9NVCloU1gg' });
    expect(sent.recipients[0].identities).toEqual([{ kind: 'email', value: 'jane.prospect@acme-corp.io' }]);
    const bounce = message(fixture('mail_received.bounce'));
    expect(bounce.inReplyTo).toEqual({ id: '<unknown-parent@seller.example>', messageId: '<unknown-parent@seller.example>' });
    const noId = readWebhook(fixture('mail_received', { email_id: undefined }));
    expect(noId.problem).toMatch(/email_id: expected the email id in email_id or id/);
  });

  it('new_relation nested under user{} and tracking named only in type', () => {
    const r = readWebhook(fixture('new_relation.nested')).inbox as RelationEvent;
    expect(r).toMatchObject({ providerId: 'ACoAANestedMember04', person: { fullName: 'Nico Nested', firstName: 'Nico', lastName: 'Nested' } });
    expect(r.person.identities).toContainEqual({ kind: 'linkedin_public', value: 'nico-nested' });
    const click = readWebhook(fixture('mail_link_clicked.type_only'));
    expect(click).toMatchObject({ event: 'mail_link_clicked', key: 'mail_link_clicked:evt_click_01' });
    expect((click.inbox as TrackingEvent).url).toBe('https://seller.example/pricing');
  });
});

describe('direction (DESIGN §6.3)', () => {
  const own = 'ACoAAOwnMemberId0001';
  it('compares the sender with the account\'s own id first, and uses is_sender only when an id is missing', () => {
    expect(directionOf(message(fixture('message_received')), own)).toBe('in');
    expect(directionOf(message(fixture('message_received.own_echo')), own)).toBe('out');
    expect(directionOf(message(fixture('message_received', { is_sender: true })), own)).toBe('in');
    expect(directionOf(message(fixture('message_received.own_echo', { is_sender: false })), own)).toBe('out');
    expect(directionOf(message(fixture('message_received.own_echo', { account_info: undefined })), null)).toBe('out');
    expect(directionOf(message(fixture('message_received', { account_info: undefined, is_sender: undefined })), null)).toBe('in');
  });

  it('REST messages: sender_id against the own id, is_sender as an integer', () => {
    const account = { id: 'acc', provider: 'LINKEDIN', ownProviderId: own };
    const rest = (m: Record<string, unknown>) => eventFromRestMessage({ id: 'm', account_id: 'acc', chat_id: 'c', text: 'hi', timestamp: '2026-07-06T09:00:00.000Z', ...m }, account);
    expect(directionOf(rest({ sender_id: own, is_sender: 0 }), own)).toBe('out');
    expect(directionOf(rest({ sender_id: 'ACoAAOther', is_sender: 1 }), own)).toBe('in');
    expect(directionOf(rest({ is_sender: 1 }), null)).toBe('out');
  });

  it('mapped fields: an explicit direction, or detect from the sender id', () => {
    const base = { accountId: 'acc', channel: 'linkedin', chatId: 'c', messageId: 'm', contactIdentifier: 'ACoAAJane' } as const;
    expect(eventFromFields(mappedMessageSchema.parse(base))).toMatchObject({ fixedDirection: 'in', senderId: 'ACoAAJane' });
    const detect = eventFromFields(mappedMessageSchema.parse({ ...base, direction: 'detect', senderId: own }));
    expect(directionOf(detect, own)).toBe('out');
    expect(() => eventFromFields(mappedMessageSchema.parse({ ...base, direction: 'detect' }))).toThrow(/senderId/);
    expect(() => eventFromFields(mappedMessageSchema.parse({ ...base, channel: 'email', contactIdentifier: 'not-an-email' }))).toThrow(/contactIdentifier/);
  });
});
