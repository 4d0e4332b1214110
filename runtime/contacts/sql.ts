import { q } from '../db/identifier';

/** Statements of the identity graph (contacts, contact_identities). */
export const contactSql = {
  ownersOf: (s: string) => `
    SELECT i.kind, i.value, i.contact_id
      FROM ${q(s)}.contact_identities i
      JOIN unnest($1::text[], $2::text[]) AS k(kind, value) ON i.kind = k.kind AND i.value = k.value`,

  insertContacts: (s: string) => `
    INSERT INTO ${q(s)}.contacts (id, first_name, last_name, full_name, company, company_domain, title, timezone, attributes)
    SELECT x.id, x.first_name, x.last_name, x.full_name, x.company, x.company_domain, x.title, x.timezone, COALESCE(x.attributes, '{}'::jsonb)
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, first_name text, last_name text, full_name text, company text,
                                              company_domain text, title text, timezone text, attributes jsonb)`,

  /** Provided values win; attributes merge key by key. */
  updateContacts: (s: string) => `
    UPDATE ${q(s)}.contacts c SET
      first_name = COALESCE(x.first_name, c.first_name),
      last_name = COALESCE(x.last_name, c.last_name),
      full_name = COALESCE(x.full_name, c.full_name),
      company = COALESCE(x.company, c.company),
      company_domain = COALESCE(x.company_domain, c.company_domain),
      title = COALESCE(x.title, c.title),
      timezone = COALESCE(x.timezone, c.timezone),
      attributes = c.attributes || COALESCE(x.attributes, '{}'::jsonb),
      updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, first_name text, last_name text, full_name text, company text,
                                              company_domain text, title text, timezone text, attributes jsonb)
     WHERE c.id = x.id`,

  insertIdentities: (s: string) => `
    INSERT INTO ${q(s)}.contact_identities (contact_id, kind, value)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
    ON CONFLICT (kind, value) DO NOTHING
    RETURNING kind, value`,

  deleteContacts: (s: string) => `DELETE FROM ${q(s)}.contacts WHERE id = ANY($1::uuid[])`,
};
