import type { Identity } from '../contacts/identity';
import { upsertContacts } from '../contacts/upsert';
import { withTransaction } from '../db/pool';
import { recordCooldowns, type Cooldown } from '../limits/cooldown';
import type { UnipileClient } from '../unipile/client';
import { UnipileError, isUnipileError } from '../unipile/errors';
import { checkAccounts } from './accounts';
import { mapWithConcurrency } from '../concurrency';
import { identitiesOfContacts, latestThreads, threadKey } from './context';
import { quotaCooldown, quotaRetryAt } from './cooldowns';
import { OutboundInputError } from './errors';
import { storeProfiles, type ProfileToStore } from './profiles';
import { addressOf, channelOf, checkIntent, needsThread, sendActionOf, type Address } from './recipients';
import { outboundSql } from './sql';
import type { OutboundCtx, OutboundIntent, OutboundMessage, OutboundResult, SendAction } from './types';

/**
 * UniPile Send's at-most-once rule (DESIGN §6.1), for a batch of intents:
 *
 * 1. check the input and find each recipient in the identity graph (a few statements per batch);
 * 2. claim: one statement re-checks `do_not_contact` and that the enrollment is still active under
 *    `FOR SHARE`, and inserts a `sending` row under the unique idempotency key. A key already used
 *    is answered from its row (`duplicate`), without any HTTP call — also when two executions race:
 *    the loser of the unique insert reports the winner's row;
 * 3. send the claimed items to UniPile, a few at a time (never retried, see unipile/transport.ts);
 * 4. store every outcome in one transaction: `sent` with UniPile's ids, `failed` with the error
 *    (a later repeat of that key sends again), `unknown` when it may have gone out (a repeat is a
 *    duplicate, never a resend), plus `invitation_sent` engagement events and quota cooldowns.
 *
 * Dry run (option, or `ctx.dryRun` from SEQUENCER_DRY_RUN) does all of it except the HTTP calls;
 * rows end as `dry_run`, and a later real send of the same key is allowed.
 */
export interface SendOptions {
  dryRun?: boolean;
  /** Provider calls in flight at once. */
  concurrency?: number;
}

interface Plan {
  index: number;
  intent: OutboundIntent;
  contactId: string | null;
  /** The contact's identities: they find the contact again when a looked-up profile is stored. */
  known: Identity[];
  provider: string | undefined;
  channel: string | null;
  action: SendAction;
  address: Address;
}

interface Delivery {
  status: 'sent' | 'dry_run' | 'failed' | 'unknown';
  providerMessageId?: string | null;
  providerChatId?: string | null;
  trackingId?: string | null;
  error?: UnipileError;
  cooldown?: Cooldown;
  /** After a quota error: not before then. */
  retryAt?: Date;
  /** A LinkedIn profile looked up on the way, to store in the identity graph. */
  profile?: ProfileToStore;
  raw: Record<string, unknown>;
}

type Claim =
  | { kind: 'claimed'; messageId: string }
  | { kind: 'duplicate' }
  | { kind: 'skipped'; reason: string; enrollmentStatus: string | null }
  | { kind: 'invalid'; error: OutboundInputError };

export async function sendOutbound(ctx: OutboundCtx, client: UnipileClient, intents: OutboundIntent[], options: SendOptions = {}): Promise<OutboundResult[]> {
  const dryRun = Boolean(options.dryRun || ctx.dryRun);
  const results = new Array<OutboundResult>(intents.length);

  const checked: Array<{ index: number; intent: OutboundIntent }> = [];
  intents.forEach((intent, index) => {
    try {
      checkIntent(intent);
      checked.push({ index, intent });
    } catch (error) {
      results[index] = { outcome: 'invalid', error: asInputError(error) };
    }
  });

  const plans = await planSends(ctx, client, checked, dryRun, results);

  // One claim per key; a repeat inside the batch gets the first one's answer.
  const firstOfKey = new Map<string, Plan>();
  const repeats: Plan[] = [];
  for (const p of plans) {
    if (firstOfKey.has(p.intent.idempotencyKey)) repeats.push(p);
    else firstOfKey.set(p.intent.idempotencyKey, p);
  }
  const unique = [...firstOfKey.values()];
  const claims = await claim(ctx, unique, dryRun);

  const toSend = unique.flatMap((plan, i) => {
    const c = claims[i];
    return c.kind === 'claimed' ? [{ plan, messageId: c.messageId }] : [];
  });
  const deliveries = await mapWithConcurrency(toSend, options.concurrency ?? 4, ({ plan }) => deliver(client, plan, dryRun));
  const finals = await finalize(ctx, toSend, deliveries);
  const sentIndex = new Map(toSend.map((s, i) => [s.messageId, i]));

  const duplicateKeys = unique.filter((_, i) => claims[i].kind === 'duplicate').map((p) => p.intent.idempotencyKey);
  const existing = await messagesByKey(ctx, duplicateKeys);

  unique.forEach((plan, i) => {
    const c = claims[i];
    if (c.kind === 'invalid') results[plan.index] = { outcome: 'invalid', error: c.error };
    else if (c.kind === 'skipped') results[plan.index] = { outcome: 'skipped', reason: c.reason, enrollmentStatus: c.enrollmentStatus };
    else if (c.kind === 'duplicate') results[plan.index] = { outcome: 'duplicate', message: existing.get(plan.intent.idempotencyKey)! };
    else {
      const d = deliveries[sentIndex.get(c.messageId)!];
      const message = finals.get(c.messageId)!;
      results[plan.index] =
        d.status === 'failed' || d.status === 'unknown'
          ? { outcome: d.status, message, error: d.error!, ...(d.retryAt ? { retryAt: d.retryAt } : {}) }
          : { outcome: d.status, message };
    }
  });
  for (const repeat of repeats) {
    const first = results[firstOfKey.get(repeat.intent.idempotencyKey)!.index];
    results[repeat.index] = 'message' in first ? { outcome: 'duplicate', message: first.message } : first;
  }
  return results;
}

/** Recipient, account and address of each intent; bad ones become `invalid` results. */
async function planSends(
  ctx: OutboundCtx,
  client: UnipileClient,
  checked: Array<{ index: number; intent: OutboundIntent }>,
  dryRun: boolean,
  results: OutboundResult[],
): Promise<Plan[]> {
  if (checked.length === 0) return [];
  const intents = checked.map((c) => c.intent);

  // Recipients given only by identities are found (or created) in the identity graph, so that
  // do-not-contact applies to them and their replies land on one contact.
  const anonymous = intents.filter((i) => !i.contactId && i.identities?.length);
  const matches = await upsertContacts(
    ctx.pool,
    ctx.schema,
    anonymous.map((i) => ({ fullName: i.recipientName ?? null, identities: i.identities! })),
  );
  const contactOf = new Map(anonymous.map((intent, k) => [intent, matches[k].contactId]));
  const contactIds = intents.map((i) => i.contactId || contactOf.get(i) || null);
  const stored = await identitiesOfContacts(
    ctx.pool,
    ctx.schema,
    contactIds.filter((id): id is string => Boolean(id)),
  );

  const accounts = await checkAccounts(ctx.pool, ctx.schema, client, intents.map((i) => i.accountId), dryRun);
  const threadPairs = intents.flatMap((intent, k) => (needsThread(intent.content) && contactIds[k] ? [{ accountId: intent.accountId, contactId: contactIds[k]! }] : []));
  const threads = await latestThreads(ctx.pool, ctx.schema, threadPairs);

  const plans: Plan[] = [];
  checked.forEach(({ index, intent }, k) => {
    const accountError = accounts.errors.get(intent.accountId);
    if (accountError) {
      results[index] = { outcome: 'invalid', error: accountError };
      return;
    }
    const contactId = contactIds[k];
    const known = contactId ? (stored.get(contactId) ?? []) : [];
    const identities = [...known, ...(intent.identities ?? [])];
    const thread = contactId ? threads.get(threadKey(intent.accountId, contactId)) : undefined;
    try {
      const address = addressOf(intent, { contactId, identities, thread });
      const provider = accounts.providers.get(intent.accountId);
      plans.push({
        index,
        intent,
        contactId,
        known: known.length ? known : (intent.identities ?? []),
        provider,
        channel: channelOf(intent.content, provider),
        action: sendActionOf(intent.content, provider),
        address,
      });
    } catch (error) {
      results[index] = { outcome: 'invalid', error: asInputError(error) };
    }
  });
  return plans;
}

async function claim(ctx: OutboundCtx, plans: Plan[], dryRun: boolean): Promise<Claim[]> {
  if (plans.length === 0) return [];
  const rows = plans.map((p, ord) => ({ ord, ...claimRow(p) }));
  const { rows: verdicts } = await ctx.pool.query<{
    ord: number;
    skip: string | null;
    enrollment_status: string | null;
    existing_status: string | null;
    claimed_id: string | null;
  }>(outboundSql.claim(ctx.schema), [JSON.stringify(rows), dryRun]);
  const byOrd = new Map(verdicts.map((v) => [v.ord, v]));
  return plans.map((plan, ord): Claim => {
    const v = byOrd.get(ord)!;
    if (v.claimed_id) return { kind: 'claimed', messageId: v.claimed_id };
    const settled = v.existing_status !== null && v.existing_status !== 'failed' && !(v.existing_status === 'dry_run' && !dryRun);
    if (!v.skip || settled) return { kind: 'duplicate' };
    if (v.skip === 'enrollment_not_found') {
      return { kind: 'invalid', error: new OutboundInputError('enrollment_not_found', `enrollment ${plan.intent.enrollmentId} does not exist in this schema; check the database credential's schema`) };
    }
    return { kind: 'skipped', reason: v.skip, enrollmentStatus: v.enrollment_status };
  });
}

/** The `messages` row written before the provider call. */
function claimRow(p: Plan) {
  const c = p.intent.content;
  const attachments = 'attachments' in c ? (c.attachments ?? []).map((a) => ({ name: a.name, mimeType: a.mimeType ?? null, size: a.data.byteLength })) : [];
  const subject = c.operation === 'email' ? (p.address.kind === 'email' && p.address.subject) || c.subject : c.operation === 'start_chat' ? c.subject : undefined;
  return {
    idempotency_key: p.intent.idempotencyKey,
    account_id: p.intent.accountId,
    provider: p.provider ?? 'UNKNOWN',
    contact_id: p.contactId,
    enrollment_id: p.intent.enrollmentId ?? null,
    step: p.intent.step ?? null,
    channel: p.channel,
    action: p.action,
    body_text: c.operation === 'email' ? null : c.operation === 'invitation' ? (c.note ?? null) : c.text,
    body_html: c.operation === 'email' ? c.html : null,
    subject: subject || null,
    attachments,
    raw: { operation: c.operation, address: p.address },
  };
}

async function deliver(client: UnipileClient, plan: Plan, dryRun: boolean): Promise<Delivery> {
  if (dryRun) return { status: 'dry_run', raw: { dry_run: true } };
  let address = plan.address;
  let profile: ProfileToStore | undefined;
  if (address.kind === 'linkedin_lookup') {
    try {
      const found = await client.getProfile(address.identifier, {
        accountId: plan.intent.accountId,
        linkedinApi: address.salesNavigator ? 'sales_navigator' : undefined,
      });
      // A Sales Navigator id is not the classic provider id the identity graph keys on.
      if (!address.salesNavigator) profile = { known: plan.known, profile: found };
      address = { kind: 'attendee', attendeeId: found.provider_id };
    } catch (error) {
      return failure(error, plan.intent.accountId, 'profile_view', { looked_up: plan.address });
    }
  }
  try {
    return { status: 'sent', profile, ...(await callProvider(client, plan, address)) };
  } catch (error) {
    return { ...failure(error, plan.intent.accountId, plan.action, { address }), profile };
  }
}

type Sent = Omit<Delivery, 'status' | 'error' | 'cooldown' | 'profile'>;

async function callProvider(client: UnipileClient, plan: Plan, address: Address): Promise<Sent> {
  const c = plan.intent.content;
  const accountId = plan.intent.accountId;
  switch (c.operation) {
    case 'message': {
      const { chatId } = expectAddress(address, 'chat');
      const response = await client.sendMessage(chatId, { text: c.text, attachments: c.attachments });
      return { providerMessageId: response.message_id ?? null, providerChatId: chatId, raw: { response } };
    }
    case 'start_chat': {
      const { attendeeId } = expectAddress(address, 'attendee');
      const response = await client.startChat({
        accountId,
        attendeeIds: [attendeeId],
        text: c.text,
        subject: c.subject || undefined,
        attachments: c.attachments,
        linkedin: c.channel === 'linkedin' ? { api: c.linkedinApi ?? 'classic', inmail: c.inmail } : undefined,
      });
      return { providerMessageId: response.message_id ?? null, providerChatId: response.chat_id ?? null, raw: { response, attendee_id: attendeeId } };
    }
    case 'invitation': {
      const { attendeeId } = expectAddress(address, 'attendee');
      const response = await client.sendInvitation({ accountId, providerId: attendeeId, message: c.note || undefined });
      return { raw: { response, invitation_id: response.invitation_id ?? null, provider_id: attendeeId } };
    }
    case 'email': {
      const email = expectAddress(address, 'email');
      const response = await client.sendEmail({
        accountId,
        body: c.html,
        to: [email.to],
        subject: email.subject ?? c.subject,
        cc: c.cc,
        bcc: c.bcc,
        from: c.from,
        replyTo: email.replyTo,
        trackingOptions: c.tracking,
        attachments: c.attachments,
      });
      return { trackingId: response.tracking_id ?? null, raw: { response, reply_to: email.replyTo ?? null } };
    }
  }
}

function expectAddress<K extends Address['kind']>(address: Address, kind: K): Extract<Address, { kind: K }> {
  if (address.kind !== kind) throw new Error(`internal: expected a ${kind} address, got ${address.kind}`);
  return address as Extract<Address, { kind: K }>;
}

function failure(error: unknown, accountId: string, action: string, raw: Record<string, unknown>): Delivery {
  const e = isUnipileError(error)
    ? error
    : new UnipileError({ class: 'unknown_outcome', operation: action, detail: error instanceof Error ? error.message : String(error), cause: error });
  const now = new Date();
  return {
    status: e.class === 'unknown_outcome' ? 'unknown' : 'failed',
    error: e,
    cooldown: quotaCooldown(e, accountId, action, now),
    retryAt: quotaRetryAt(e, now),
    raw,
  };
}

async function finalize(
  ctx: OutboundCtx,
  sent: Array<{ plan: Plan; messageId: string }>,
  deliveries: Delivery[],
): Promise<Map<string, OutboundMessage>> {
  if (sent.length === 0) return new Map();
  const write = () =>
    withTransaction(ctx.pool, async (tx) => {
      const looked = deliveries.flatMap((d, i) => (d.profile ? [{ i, profile: d.profile }] : []));
      const profileContacts = await storeProfiles(tx, ctx.schema, looked.map((l) => l.profile));
      const contactOf = new Map(looked.map((l, k) => [l.i, profileContacts[k]]));
      const rows = sent.map(({ messageId }, i) => {
        const d = deliveries[i];
        return {
          id: messageId,
          status: d.status,
          provider_message_id: d.providerMessageId ?? null,
          provider_chat_id: d.providerChatId ?? null,
          tracking_id: d.trackingId ?? null,
          contact_id: contactOf.get(i) ?? null,
          error: d.error?.toJSON() ?? null,
          raw: d.raw,
        };
      });
      const { rows: updated } = await tx.query<MessageRow>(outboundSql.finalize(ctx.schema), [JSON.stringify(rows)]);
      const invitations = updated.filter((r) => r.action === 'invitation' && r.status === 'sent');
      if (invitations.length) {
        const events = invitations.map((r) => ({
          contact_id: r.contact_id,
          account_id: r.account_id,
          message_id: r.id,
          enrollment_id: r.enrollment_id,
          source_key: `invitation_sent:${r.id}`,
          data: { invitation_id: r.raw?.invitation_id ?? null, provider_id: r.raw?.provider_id ?? null },
        }));
        await tx.query(outboundSql.invitationsSent(ctx.schema), [JSON.stringify(events)]);
      }
      await recordCooldowns(tx, ctx.schema, deliveries.flatMap((d) => (d.cooldown ? [d.cooldown] : [])));
      return new Map(updated.map((r) => [r.id, toOutboundMessage(r)]));
    });
  try {
    return await write();
  } catch (error) {
    // The webhook echo of one of these messages was stored in between: write again, keeping its id in raw.
    if ((error as { code?: string }).code === '23505') return await write();
    throw error;
  }
}

async function messagesByKey(ctx: OutboundCtx, keys: string[]): Promise<Map<string, OutboundMessage>> {
  if (keys.length === 0) return new Map();
  const { rows } = await ctx.pool.query<MessageRow>(outboundSql.byKeys(ctx.schema), [keys]);
  return new Map(rows.map((r) => [r.idempotency_key, toOutboundMessage(r)]));
}

interface MessageRow {
  id: string;
  idempotency_key: string;
  account_id: string;
  contact_id: string | null;
  enrollment_id: string | null;
  step: string | null;
  channel: string | null;
  action: string | null;
  status: OutboundMessage['status'];
  provider_message_id: string | null;
  provider_chat_id: string | null;
  tracking_id: string | null;
  error: Record<string, unknown> | null;
  raw: Record<string, unknown> | null;
  sent_at: Date | null;
}

function toOutboundMessage(r: MessageRow): OutboundMessage {
  const invitationId = r.raw?.invitation_id;
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    accountId: r.account_id,
    contactId: r.contact_id,
    enrollmentId: r.enrollment_id,
    step: r.step,
    channel: r.channel,
    action: r.action,
    status: r.status,
    providerMessageId: r.provider_message_id,
    providerChatId: r.provider_chat_id,
    trackingId: r.tracking_id,
    invitationId: typeof invitationId === 'string' ? invitationId : null,
    sentAt: r.sent_at,
    error: r.error,
  };
}

function asInputError(error: unknown): OutboundInputError {
  if (error instanceof OutboundInputError) return error;
  throw error;
}
