import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/pool';
import { companyDomainOf, type Identity } from './identity';
import { contactSql } from './sql';

/** A person as callers know them; identities must already be normalized (see identity.ts). */
export interface ContactInput {
  firstName?: string | null;
  lastName?: string | null;
  fullName?: string | null;
  company?: string | null;
  companyDomain?: string | null;
  title?: string | null;
  timezone?: string | null;
  attributes?: Record<string, unknown> | null;
  identities: Identity[];
}

export interface ContactMatch {
  contactId: string;
  created: boolean;
}

const pairKey = (i: Identity) => `${i.kind}\u0000${i.value}`;

/**
 * Finds or creates the contact of each input through the identity graph, in a few statements
 * for the whole batch: a person known by email who later writes on LinkedIn stays one contact.
 * Inputs sharing an identity resolve to the same contact. Results are in input order.
 */
export async function upsertContacts(db: Queryable, schema: string, inputs: ContactInput[]): Promise<ContactMatch[]> {
  if (inputs.length === 0) return [];
  inputs.forEach((input, index) => {
    if (input.identities.length === 0) throw new Error(`contact ${index} has no identity (email, phone, LinkedIn id or slug)`);
  });
  const pairs = [...new Map(inputs.flatMap((i) => i.identities).map((i) => [pairKey(i), i])).values()];
  const owner = new Map<string, string>();
  const existing = await db.query<{ kind: string; value: string; contact_id: string }>(contactSql.ownersOf(schema), [
    pairs.map((p) => p.kind),
    pairs.map((p) => p.value),
  ]);
  for (const r of existing.rows) owner.set(`${r.kind}\u0000${r.value}`, r.contact_id);
  const knownBefore = new Set(owner.keys());

  const matches: ContactMatch[] = inputs.map((input) => {
    const found = input.identities.map((i) => owner.get(pairKey(i))).find(Boolean);
    const match = found ? { contactId: found, created: false } : { contactId: randomUUID(), created: true };
    for (const i of input.identities) if (!owner.has(pairKey(i))) owner.set(pairKey(i), match.contactId);
    return match;
  });

  const rowsOf = (pick: (m: ContactMatch) => boolean) => {
    const byId = new Map<string, Record<string, unknown>>();
    inputs.forEach((input, idx) => {
      const m = matches[idx];
      if (!pick(m)) return;
      const email = input.identities.find((i) => i.kind === 'email')?.value;
      byId.set(m.contactId, {
        ...(byId.get(m.contactId) ?? {}),
        id: m.contactId,
        first_name: input.firstName ?? null,
        last_name: input.lastName ?? null,
        full_name: input.fullName ?? ([input.firstName, input.lastName].filter(Boolean).join(' ') || null),
        company: input.company ?? null,
        company_domain: input.companyDomain ?? companyDomainOf(email),
        title: input.title ?? null,
        timezone: input.timezone ?? null,
        attributes: input.attributes ?? null,
      });
    });
    return [...byId.values()];
  };
  const created = rowsOf((m) => m.created);
  if (created.length) await db.query(contactSql.insertContacts(schema), [JSON.stringify(created)]);
  const updated = rowsOf((m) => !m.created);
  if (updated.length) await db.query(contactSql.updateContacts(schema), [JSON.stringify(updated)]);

  const fresh = pairs.filter((p) => !knownBefore.has(pairKey(p)));
  if (fresh.length) {
    const inserted = await db.query<{ kind: string; value: string }>(contactSql.insertIdentities(schema), [
      fresh.map((p) => owner.get(pairKey(p))),
      fresh.map((p) => p.kind),
      fresh.map((p) => p.value),
    ]);
    const won = new Set(inserted.rows.map((r) => `${r.kind}\u0000${r.value}`));
    const lost = fresh.filter((p) => !won.has(pairKey(p)));
    if (lost.length) await adoptConcurrentOwners(db, schema, inputs, matches, lost, won);
  }
  return matches;
}

/**
 * Another transaction created some of these identities first. A contact we just created that
 * got none of its identities is dropped and its inputs point at the winner instead.
 */
async function adoptConcurrentOwners(
  db: Queryable,
  schema: string,
  inputs: ContactInput[],
  matches: ContactMatch[],
  lost: Identity[],
  won: Set<string>,
): Promise<void> {
  const { rows } = await db.query<{ kind: string; value: string; contact_id: string }>(contactSql.ownersOf(schema), [
    lost.map((p) => p.kind),
    lost.map((p) => p.value),
  ]);
  const winner = new Map(rows.map((r) => [`${r.kind}\u0000${r.value}`, r.contact_id]));
  const adoptedBy = new Map<string, string>();
  inputs.forEach((input, idx) => {
    const m = matches[idx];
    if (!m.created || input.identities.some((i) => won.has(pairKey(i)))) return;
    const adopted = input.identities.map((i) => winner.get(pairKey(i))).find(Boolean);
    if (adopted) adoptedBy.set(m.contactId, adopted);
  });
  matches.forEach((m, idx) => {
    const adopted = adoptedBy.get(m.contactId);
    if (adopted) matches[idx] = { contactId: adopted, created: false };
  });
  const orphans = new Set(adoptedBy.keys());
  if (orphans.size) await db.query(contactSql.deleteContacts(schema), [[...orphans]]);
}
