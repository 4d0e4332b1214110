/**
 * The identity graph's keys. A person is found again on any channel through one normalized
 * (kind, value): lower-case email, E.164 phone, LinkedIn provider id, LinkedIn public slug.
 */
export const IDENTITY_KINDS = ['email', 'phone', 'whatsapp', 'linkedin', 'linkedin_public', 'instagram', 'telegram', 'messenger', 'twitter'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export interface Identity {
  kind: IdentityKind;
  value: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The normalized value, or null when the value cannot be an identity of that kind. */
export function normalizeIdentity(kind: IdentityKind, raw: string): string | null {
  const value = raw.trim();
  if (!value) return null;
  switch (kind) {
    case 'email': {
      const email = value.replace(/^mailto:/i, '').toLowerCase();
      return EMAIL.test(email) ? email : null;
    }
    case 'phone':
    case 'whatsapp':
      return normalizePhone(value);
    case 'linkedin_public':
      return linkedinSlug(value);
    default:
      return value;
  }
}

/** E.164: "+" and 8–15 digits. WhatsApp ids ("33612345678@s.whatsapp.net") reduce to their number. */
export function normalizePhone(raw: string): string | null {
  const withoutSuffix = raw.split('@')[0];
  const digits = withoutSuffix.replace(/[\s().-]/g, '');
  const e164 = digits.startsWith('00') ? `+${digits.slice(2)}` : digits.startsWith('+') ? digits : `+${digits}`;
  return /^\+[1-9]\d{7,14}$/.test(e164) ? e164 : null;
}

/** "https://www.linkedin.com/in/Jane-Doe/?x=1" or "jane-doe" → "jane-doe". */
export function linkedinSlug(raw: string): string | null {
  const m = raw.match(/linkedin\.com\/in\/([^/?#]+)/i);
  const slug = decodeURIComponent(m ? m[1] : raw).trim().toLowerCase();
  return /^[\p{L}\p{N}_-]{2,100}$/u.test(slug) ? slug : null;
}

/** Company domain from an email address, unless it is a webmail domain shared by strangers. */
const WEBMAIL = new Set(['gmail.com', 'googlemail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'live.com', 'icloud.com', 'me.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.de', 'gmx.net', 'web.de', 'orange.fr', 'free.fr', 'laposte.net', 'yandex.ru', 'mail.ru']);

export function companyDomainOf(email: string | null | undefined): string | null {
  const domain = email?.split('@')[1]?.toLowerCase();
  return domain && !WEBMAIL.has(domain) ? domain : null;
}

export function normalizeDomain(raw: string): string | null {
  const d = raw.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').split('/')[0];
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d) ? d : null;
}
