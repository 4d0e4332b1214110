import { upsertContacts } from '../../runtime/contacts/upsert';
import { normalizeIdentity, normalizePhone, linkedinSlug, companyDomainOf } from '../../runtime/contacts/identity';
import { withTransaction } from '../../runtime/db/pool';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => (db = await openTestDb()));
afterAll(async () => db.close());

const count = async (table: string) => Number((await db.pool.query(`SELECT count(*) AS n FROM "${db.schema}".${table}`)).rows[0].n);

describe('identity normalization', () => {
  it('normalizes the ways people write the same identity', () => {
    expect(normalizeIdentity('email', ' Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(normalizeIdentity('email', 'not-an-email')).toBeNull();
    expect(normalizePhone('+33 6 12 34 56 78')).toBe('+33612345678');
    expect(normalizePhone('0033612345678')).toBe('+33612345678');
    expect(normalizePhone('33612345678@s.whatsapp.net')).toBe('+33612345678');
    expect(normalizePhone('12')).toBeNull();
    expect(linkedinSlug('https://www.linkedin.com/in/Jane-Doe/?utm=x')).toBe('jane-doe');
    expect(companyDomainOf('jane@acme.io')).toBe('acme.io');
    expect(companyDomainOf('jane@gmail.com')).toBeNull();
  });
});

describe('the identity graph', () => {
  it('finds a person known by email again when a batch names them by email and LinkedIn, and links both', async () => {
    const [first] = await upsertContacts(db.pool, db.schema, [{ firstName: 'Jane', identities: [{ kind: 'email', value: 'jane@acme.io' }] }]);
    expect(first.created).toBe(true);
    const [again, other] = await upsertContacts(db.pool, db.schema, [
      { lastName: 'Doe', identities: [{ kind: 'linkedin', value: 'ACoAAJane' }, { kind: 'email', value: 'jane@acme.io' }] },
      { firstName: 'Bob', identities: [{ kind: 'email', value: 'bob@acme.io' }] },
    ]);
    expect(again).toEqual({ contactId: first.contactId, created: false });
    expect(other.created).toBe(true);
    const [byLinkedin] = await upsertContacts(db.pool, db.schema, [{ identities: [{ kind: 'linkedin', value: 'ACoAAJane' }] }]);
    expect(byLinkedin.contactId).toBe(first.contactId);
    const { rows } = await db.pool.query(`SELECT first_name, last_name, company_domain FROM "${db.schema}".contacts WHERE id = $1`, [first.contactId]);
    expect(rows[0]).toEqual({ first_name: 'Jane', last_name: 'Doe', company_domain: 'acme.io' });
  });

  it('gives inputs of one batch that share a new identity the same contact', async () => {
    const before = await count('contacts');
    const [a, b] = await upsertContacts(db.pool, db.schema, [
      { identities: [{ kind: 'email', value: 'sam@globex.com' }] },
      { identities: [{ kind: 'phone', value: '+14155550100' }, { kind: 'email', value: 'sam@globex.com' }] },
    ]);
    expect(b.contactId).toBe(a.contactId);
    expect(await count('contacts')).toBe(before + 1);
  });

  it('keeps one contact when two transactions create the same person at once', async () => {
    const before = await count('contacts');
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        withTransaction(db.pool, (tx) => upsertContacts(tx, db.schema, [{ identities: [{ kind: 'email', value: 'race@initech.com' }] }])),
      ),
    );
    const ids = new Set(results.map((r) => r[0].contactId));
    expect(ids.size).toBe(1);
    expect(await count('contacts')).toBe(before + 1);
  });

  it('refuses a contact without any identity', async () => {
    await expect(upsertContacts(db.pool, db.schema, [{ firstName: 'Nobody', identities: [] }])).rejects.toThrow(/no identity/);
  });
});
