import { z } from 'zod/v4';
import { IDENTITY_KINDS, normalizeIdentity, type Identity, type IdentityKind } from '../contacts/identity';

/**
 * What a send needs from an item the Sequencer Trigger emitted for a due step (DESIGN §4 dispatch:
 * `{ event: 'sequence.step', enrollment, step, contact, account, vars, … }`, built by
 * runtime/sequences/dispatcher.ts). Read tolerantly: the contact's identities are taken from
 * `identities: [{ kind, value }]` and from the enrollment API's flat fields (`email`, `phone`,
 * `linkedinProviderId`, `linkedinPublicId`); an item edited on the way keeps working.
 */
export interface DispatchedStep {
  enrollmentId: string;
  step: string;
  contactId: string | null;
  accountId: string | null;
  identities: Identity[];
  contactName: { firstName?: string; lastName?: string; fullName?: string };
}

const idOf = z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) }).transform((o) => o.id)]);
const dispatchSchema = z.looseObject({
  event: z.literal('sequence.step'),
  enrollment: z.looseObject({ id: z.string().min(1) }),
  step: z.string().min(1),
  contact: z.looseObject({ id: z.string().optional() }).nullish(),
  account: idOf.nullish(),
});

/** The enrollment API's contact fields, which the dispatcher repeats next to `identities`. */
const FLAT_FIELDS: Record<string, IdentityKind> = {
  email: 'email',
  phone: 'phone',
  linkedinProviderId: 'linkedin',
  linkedinPublicId: 'linkedin_public',
};

/** The dispatched step in an item's JSON, or null when the item is not a `sequence.step` dispatch. */
export function dispatchedStepOf(json: unknown): DispatchedStep | null {
  const parsed = dispatchSchema.safeParse(json);
  if (!parsed.success) return null;
  const { enrollment, step, contact, account } = parsed.data;
  const c = (contact ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    enrollmentId: enrollment.id,
    step,
    contactId: str(c.id) ?? null,
    accountId: account ?? null,
    identities: contactIdentities(c),
    contactName: { firstName: str(c.firstName), lastName: str(c.lastName), fullName: str(c.fullName) },
  };
}

function contactIdentities(contact: Record<string, unknown>): Identity[] {
  const listed = Array.isArray(contact.identities) ? (contact.identities as unknown[]) : [];
  const raw = listed.map((i): [string, unknown] => {
    const { kind, value } = (i ?? {}) as Partial<Identity>;
    return [String(kind), value];
  });
  for (const [field, kind] of Object.entries(FLAT_FIELDS)) raw.push([kind, contact[field]]);
  return normalizedIdentities(raw);
}

/** Keeps the known kinds with a usable value, normalized and without repeats. */
export function normalizedIdentities(raw: Array<[string, unknown]>): Identity[] {
  const seen = new Map<string, Identity>();
  for (const [kind, value] of raw) {
    if (!(IDENTITY_KINDS as readonly string[]).includes(kind) || typeof value !== 'string') continue;
    const normalized = normalizeIdentity(kind as IdentityKind, value);
    if (normalized) seen.set(`${kind}\u0000${normalized}`, { kind: kind as IdentityKind, value: normalized });
  }
  return [...seen.values()];
}

/** LinkedIn provider ids: `ACoAA…` (classic), `ACw…` (Sales Navigator), `AE…` (Recruiter). */
const LINKEDIN_PROVIDER_ID = /^(ACo|ACw|AE)[A-Za-z0-9_-]{8,}$/;

/** A provider id, a public profile URL or a slug, as the identity it is. */
export function linkedinIdentityOf(raw: string): Identity | null {
  const value = raw.trim();
  // UniPile's profile URLs carry the provider id: https://www.linkedin.com/in/ACoAA…
  const inPath = value.match(/linkedin\.com\/in\/([^/?#]+)/i)?.[1];
  const candidate = inPath ? decodeURIComponent(inPath) : value;
  if (LINKEDIN_PROVIDER_ID.test(candidate)) return { kind: 'linkedin', value: candidate };
  const slug = normalizeIdentity('linkedin_public', value);
  return slug ? { kind: 'linkedin_public', value: slug } : null;
}
