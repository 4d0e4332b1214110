import { createPool } from '../../runtime/db/pool';
import { ensureSchema, migrate, pendingMigrations } from '../../runtime/db/migrate';
import { migrations } from '../../runtime/db/migrations';
import { InvalidSchemaNameError } from '../../runtime/db/identifier';
import { testDatabaseUrl, uniqueSchemaName } from '../support/db';

const pool = createPool(testDatabaseUrl(), { max: 10 });
const created: string[] = [];
afterAll(async () => {
  for (const s of created) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await pool.end();
});

function schemaFor(label: string): string {
  const s = uniqueSchemaName(label);
  created.push(s);
  return s;
}

const TABLES = [
  'accounts', 'contacts', 'contact_identities', 'conversations', 'messages', 'engagement_events', 'webhook_events',
  'sequences', 'enrollments', 'enrollment_events', 'rate_ledger', 'rate_state', 'subscriptions',
];

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
    [schema],
  );
  return rows.map((r) => r.table_name);
}

describe('migrations of the shared schema', () => {
  it('creates every contract table, and a second run changes nothing', async () => {
    const schema = schemaFor('twice');
    const first = await migrate(pool, schema);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(await tablesIn(schema)).toEqual(expect.arrayContaining(TABLES));
    const before = await pool.query(`SELECT version, applied_at FROM "${schema}".schema_migrations ORDER BY version`);
    const second = await migrate(pool, schema);
    expect(second.applied).toEqual([]);
    const after = await pool.query(`SELECT version, applied_at FROM "${schema}".schema_migrations ORDER BY version`);
    expect(after.rows).toEqual(before.rows);
    expect(await pendingMigrations(pool, schema)).toEqual([]);
  });

  it('is safe when several migrators race on the same schema', async () => {
    const schema = schemaFor('race');
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(pool, schema)));
    const applied = results.flatMap((r) => r.applied);
    expect(applied.sort()).toEqual(results.find((r) => r.applied.length)!.applied.sort());
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`);
    expect(rows[0].n).toBe(migrations.length);
  });

  it('keeps workspaces apart: two schemas in one database hold their own rows', async () => {
    const acme = schemaFor('acme');
    const globex = schemaFor('globex');
    await Promise.all([migrate(pool, acme), migrate(pool, globex)]);
    await pool.query(`INSERT INTO "${acme}".sequences (key, name) VALUES ('intro', 'Acme intro')`);
    expect((await pool.query(`SELECT key FROM "${acme}".sequences`)).rows).toEqual([{ key: 'intro' }]);
    expect((await pool.query(`SELECT key FROM "${globex}".sequences`)).rows).toEqual([]);
  });

  it('refuses a schema name that is not a plain identifier before touching the database', async () => {
    await expect(migrate(pool, 'x"; DROP SCHEMA public; --')).rejects.toThrow(InvalidSchemaNameError);
  });

  it('migrates once per process for nodes (ensureSchema), even when called concurrently', async () => {
    const schema = schemaFor('ensure');
    const [a, b] = await Promise.all([ensureSchema(pool, schema), ensureSchema(pool, schema)]);
    expect(a).toBe(b);
    expect(await pendingMigrations(pool, schema)).toEqual([]);
  });

  it('allows one live enrollment per sequence and contact', async () => {
    const schema = schemaFor('live');
    await migrate(pool, schema);
    const s = `"${schema}"`;
    const seq = (await pool.query(`INSERT INTO ${s}.sequences (key, name) VALUES ('k', 'n') RETURNING id`)).rows[0].id;
    const contact = (await pool.query(`INSERT INTO ${s}.contacts DEFAULT VALUES RETURNING id`)).rows[0].id;
    await pool.query(`INSERT INTO ${s}.enrollments (sequence_id, contact_id) VALUES ($1, $2)`, [seq, contact]);
    await expect(pool.query(`INSERT INTO ${s}.enrollments (sequence_id, contact_id, status) VALUES ($1, $2, 'paused')`, [seq, contact])).rejects.toThrow(
      /enrollments_one_live_per_contact/,
    );
    await pool.query(`UPDATE ${s}.enrollments SET status = 'completed'`);
    await pool.query(`INSERT INTO ${s}.enrollments (sequence_id, contact_id) VALUES ($1, $2)`, [seq, contact]);
  });
});
