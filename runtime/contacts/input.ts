import { z } from 'zod/v4';
import type { FieldProblem } from '../sequences/errors';
import { timezoneSchema } from '../sequences/settings';
import { normalizeDomain, normalizeIdentity, type Identity } from './identity';
import type { ContactInput } from './upsert';

/**
 * The one contact shape callers send (DESIGN §4): API upsert and enrolment, CLI CSV, Sequence Step
 * node, simulate. Identities are normalized here; a contact needs at least one.
 */
const optionalText = (max: number) => z.string().trim().max(max).nullish();

export const contactFieldsSchema = z
  .object({
    email: optionalText(320),
    phone: optionalText(40),
    whatsapp: optionalText(60),
    linkedinProviderId: optionalText(200),
    linkedinPublicId: optionalText(300),
    firstName: optionalText(200),
    lastName: optionalText(200),
    company: optionalText(300),
    companyDomain: optionalText(300),
    title: optionalText(300),
    timezone: timezoneSchema.nullish(),
    attributes: z.record(z.string(), z.unknown()).nullish(),
  })
  .strict();

export type ContactFields = z.infer<typeof contactFieldsSchema>;

export type ContactInputResult = { ok: true; input: ContactInput } | { ok: false; problems: FieldProblem[] };

const IDENTITY_FIELDS: Array<{ field: keyof ContactFields; kind: Identity['kind']; hint: string }> = [
  { field: 'email', kind: 'email', hint: 'is not an email address' },
  { field: 'phone', kind: 'phone', hint: 'is not a phone number: use international format, e.g. "+33612345678"' },
  { field: 'whatsapp', kind: 'whatsapp', hint: 'is not a WhatsApp number: use international format, e.g. "+33612345678"' },
  { field: 'linkedinProviderId', kind: 'linkedin', hint: 'is not a LinkedIn provider id such as "ACoAA…"' },
  { field: 'linkedinPublicId', kind: 'linkedin_public', hint: 'is not a LinkedIn profile slug or URL, e.g. "jane-doe"' },
];

/** Validates identities and maps parsed fields to the identity graph's input; problems name the field (relative to the contact) and the fix. */
export function toContactInput(fields: ContactFields): ContactInputResult {
  const problems: FieldProblem[] = [];
  const identities: Identity[] = [];
  for (const { field, kind, hint } of IDENTITY_FIELDS) {
    const raw = fields[field];
    if (typeof raw !== 'string' || raw === '') continue;
    const value = normalizeIdentity(kind, raw);
    if (value) identities.push({ kind, value });
    else problems.push({ field, message: `${JSON.stringify(raw)} ${hint}` });
  }
  const companyDomain = fields.companyDomain ? normalizeDomain(fields.companyDomain) : null;
  if (fields.companyDomain && !companyDomain) problems.push({ field: 'companyDomain', message: `${JSON.stringify(fields.companyDomain)} is not a domain, e.g. "acme.io"` });
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
