import { upsertContacts } from '../contacts/upsert';
import type { Identity } from '../contacts/identity';
import { withTransaction, type Queryable } from '../db/pool';
import { recordCooldowns } from '../limits/cooldown';
import type { UnipileClient } from '../unipile/client';
import { isUnipileError, type UnipileError } from '../unipile/errors';
import type { UserProfile } from '../unipile/schemas';
import { checkAccounts } from './accounts';
import { mapWithConcurrency } from '../concurrency';
import { identitiesOfContacts } from './context';
import { quotaCooldown } from './cooldowns';
import { linkedinIdentityOf, normalizedIdentities } from './dispatch';
import { OutboundInputError, type OutboundInputCode } from './errors';
import type { OutboundCtx } from './types';

/**
 * What a UniPile profile tells the identity graph: for LinkedIn the provider id (`linkedin`) and
 * the public slug (`linkedin_public`); for the messaging networks their own id.
 */
export function identitiesOfProfile(profile: UserProfile): Identity[] {
  const provider = (profile.provider ?? 'LINKEDIN').toUpperCase();
  if (provider === 'LINKEDIN') {
    return normalizedIdentities([
      ['linkedin', profile.provider_id],
      ['linkedin_public', profile.public_identifier ?? undefined],
    ]);
  }
  const kind = { WHATSAPP: 'whatsapp', INSTAGRAM: 'instagram', TELEGRAM: 'telegram' }[provider];
  return kind ? normalizedIdentities([[kind, profile.provider_id]]) : [];
}

export interface ProfileToStore {
  /** Identities the contact is already known by: they find the same contact again. */
  known: Identity[];
  profile: UserProfile;
}

/**
 * Adds the profile's identities to the contact known by `known` (or to a new contact), with its
 * names. One batch through the identity graph; returns the contact ids in input order.
 */
export async function storeProfiles(db: Queryable, schema: string, entries: ProfileToStore[]): Promise<Array<string | null>> {
  const usable = entries.map((e) => ({ ...e, identities: dedupe([...e.known, ...identitiesOfProfile(e.profile)]) }));
  const inputs = usable.filter((e) => e.identities.length > 0);
  const matches = await upsertContacts(
    db,
    schema,
    inputs.map((e) => ({
      firstName: e.profile.first_name ?? null,
      lastName: e.profile.last_name ?? null,
      identities: e.identities,
    })),
  );
  let next = 0;
  return usable.map((e) => (e.identities.length > 0 ? matches[next++].contactId : null));
}

function dedupe(identities: Identity[]): Identity[] {
  return [...new Map(identities.map((i) => [`${i.kind}\u0000${i.value}`, i])).values()];
}

export interface ProfileLookupRequest {
  accountId: string;
  /** A public profile URL, a slug or a provider id; empty: the contact's LinkedIn identity. */
  identifier?: string;
  contactId?: string | null;
  identities?: Identity[];
  linkedinApi?: 'sales_navigator' | 'recruiter';
  notify?: boolean;
}

export type ProfileLookupResult =
  | { outcome: 'found'; profile: UserProfile; identifier: string; contactId: string | null }
  | { outcome: 'dry_run'; identifier: string; contactId: string | null }
  | { outcome: 'failed'; identifier: string; error: UnipileError }
  | { outcome: 'invalid'; error: OutboundInputError };

/**
 * Profile → Get: resolves a public slug or profile URL (or refreshes a provider id) with
 * `GET /users/{identifier}` and stores the provider id and slug as identities of the contact.
 * A read: retried on transient errors; a quota error cools `profile_view` down on the account.
 * Sales Navigator and Recruiter ids are returned but not stored (the graph keys on classic ids).
 */
export async function lookupProfiles(
  ctx: OutboundCtx,
  client: UnipileClient,
  requests: ProfileLookupRequest[],
  options: { dryRun?: boolean; concurrency?: number } = {},
): Promise<ProfileLookupResult[]> {
  const dryRun = Boolean(options.dryRun || ctx.dryRun);
  const stored = await identitiesOfContacts(
    ctx.pool,
    ctx.schema,
    requests.flatMap((r) => (r.contactId ? [r.contactId] : [])),
  );
  const accounts = await checkAccounts(
    ctx.pool,
    ctx.schema,
    client,
    requests.flatMap((r) => (r.accountId ? [r.accountId] : [])),
    dryRun,
  );
  const knownOf = (r: ProfileLookupRequest) => [...((r.contactId && stored.get(r.contactId)) || []), ...(r.identities ?? [])];

  const results: ProfileLookupResult[] = await mapWithConcurrency(requests, options.concurrency ?? 4, async (r): Promise<ProfileLookupResult> => {
    if (!r.accountId) return invalid('invalid_input', 'account is empty: pick a UniPile account or map the dispatched account');
    const accountError = accounts.errors.get(r.accountId);
    if (accountError) return { outcome: 'invalid', error: accountError };
    const identifier = identifierOf(r, knownOf(r));
    if (!identifier) {
      const who = r.contactId ? `contact ${r.contactId}` : 'the recipient of this item';
      return invalid('missing_identity', `${who} has no public profile URL or slug (identity "linkedin_public") and no LinkedIn provider id (identity "linkedin"). Set Profile to a LinkedIn profile URL or slug.`);
    }
    if (dryRun) return { outcome: 'dry_run', identifier, contactId: r.contactId ?? null };
    try {
      const profile = await client.getProfile(identifier, { accountId: r.accountId, linkedinApi: r.linkedinApi, notify: r.notify });
      return { outcome: 'found', profile, identifier, contactId: r.contactId ?? null };
    } catch (error) {
      if (!isUnipileError(error)) throw error;
      return { outcome: 'failed', identifier, error };
    }
  });

  await withTransaction(ctx.pool, async (tx) => {
    const found = requests.flatMap((r, i) => {
      const res = results[i];
      return res.outcome === 'found' && !r.linkedinApi ? [{ i, entry: { known: knownOf(r), profile: res.profile } }] : [];
    });
    const contactIds = await storeProfiles(tx, ctx.schema, found.map((f) => f.entry));
    found.forEach((f, k) => {
      const res = results[f.i];
      if (res.outcome === 'found') res.contactId = contactIds[k] ?? res.contactId;
    });
    const cooldowns = requests.flatMap((r, i) => {
      const res = results[i];
      const cooldown = res.outcome === 'failed' ? quotaCooldown(res.error, r.accountId, 'profile_view') : undefined;
      return cooldown ? [cooldown] : [];
    });
    await recordCooldowns(tx, ctx.schema, cooldowns);
  });
  return results;
}

function identifierOf(r: ProfileLookupRequest, known: Identity[]): string | undefined {
  const explicit = r.identifier?.trim();
  if (explicit) return linkedinIdentityOf(explicit)?.value ?? explicit;
  return known.find((i) => i.kind === 'linkedin')?.value ?? known.find((i) => i.kind === 'linkedin_public')?.value;
}

function invalid(code: OutboundInputCode, message: string): ProfileLookupResult {
  return { outcome: 'invalid', error: new OutboundInputError(code, message) };
}
