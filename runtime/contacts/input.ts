import { z } from 'zod/v4';
import { timezoneSchema } from '../sequences/settings';
import { normalizeDomain, normalizeIdentity, type Identity } from './identity';
import type { ContactInput } from './upsert';

/**
 * The contact shape callers send (API enrolment and upsert, CLI CSV, Sequence Step node): DESIGN §4.
 * Identities are normalized here; a contact needs at least one.
 */
const optionalText = z.string().trim().max(500).optional().nullable();

export const contactFieldsSchema = z
  .object({
    email: z.string().trim().max(320).optional().nullable(),
    phone: z.string().trim().max(40).optional().nullable(),
    whatsapp: z.string().trim().max(60).optional().nullable(),
    linkedinProviderId: z.string().trim().max(200).optional().nullable(),
    linkedinPublicId: z.string().trim().max(300).optional().nullable(),
    firstName: optionalText,
    lastName: optionalText,
    company: optionalText,
    companyDomain: optionalText,
    title: optionalText,
    timezone: timezoneSchema.optional().nullable(),
    attributes: z.record(z.string(), z.unknown()).optional().nullable(),
  })
  .strict();

export type ContactFields = z.infer<typeof contactFieldsSchema>;

export type ContactInputResult = { ok: true; input: ContactInput } | { ok: false; problems: { field: string; message: string }[] };

/** Validates identities and maps to the identity graph's input; problems name the field and the fix. */
export function toContactInput(fields: ContactFields): ContactInputResult {
  const problems: { field: string; message: string }[] = [];
  const identities: Identity[] = [];
  const add = (field: keyof ContactFields, kind: Identity['kind'], expected: string) => {
    const raw = fields[field];
    if (raw === undefined || raw === null || raw === '') return;
    const value = normalizeIdentity(kind, String(raw));
    if (value) identities.push({ kind, value });
    else problems.push({ field, message: `expected ${expected}, got ${JSON.stringify(raw)}` });
  };
  add('email', 'email', 'an email address');
  add('phone', 'phone', 'a phone number in international format, e.g. +14155550100');
  add('whatsapp', 'whatsapp', 'a WhatsApp number in international format, e.g. +33612345678');
  add('linkedinProviderId', 'linkedin', 'a LinkedIn provider id such as ACoAA…');
  add('linkedinPublicId', 'linkedin_public', 'a LinkedIn profile slug or URL, e.g. jane-doe');
  let companyDomain: string | null = null;
  if (fields.companyDomain) {
    companyDomain = normalizeDomain(fields.companyDomain);
    if (!companyDomain) problems.push({ field: 'companyDomain', message: `expected a domain such as acme.com, got ${JSON.stringify(fields.companyDomain)}` });
  }
  if (identities.length === 0 && problems.length === 0) {
    problems.push({ field: 'email', message: 'a contact needs at least one of email, phone, whatsapp, linkedinProviderId or linkedinPublicId' });
  }
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    input: {
      firstName: fields.firstName ?? null,
      lastName: fields.lastName ?? null,
      company: fields.company ?? null,
      companyDomain,
      title: fields.title ?? null,
      timezone: fields.timezone ?? null,
      attributes: fields.attributes ?? null,
      identities,
    },
  };
}
