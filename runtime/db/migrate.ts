import type { Pool } from 'pg';
import { q } from './identifier';
import { checkout } from './pool';
import { migrations } from './migrations';

/**
 * Versioned migrations of the shared schema. One session advisory lock per schema serializes
 * concurrent migrators (several runtimes, `sequencer migrate`, nodes on first use); each migration
 * commits with its version row, so a crash leaves the schema at a known version.
 */
export const LATEST_VERSION = migrations[migrations.length - 1].version;

function lockKey(schema: string): string {
  return `sequencer-migrate:${schema}`;
}

export interface MigrationResult {
  schema: string;
  applied: number[];
  version: number;
}

export async function migrate(pool: Pool, schema: string): Promise<MigrationResult> {
  const s = q(schema);
  const client = await checkout(pool);
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey(schema)]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
      const done = new Set(rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.up(s));
          await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`Migration ${m.version} (${m.name}) failed in schema ${schema}: ${(error as Error).message}`, { cause: error });
        }
        applied.push(m.version);
      }
      return { schema, applied, version: LATEST_VERSION };
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(schema)]);
    }
  } finally {
    client.release();
  }
}

/** Versions this code knows that the schema has not applied yet (all of them for a new schema). */
export async function pendingMigrations(pool: Pick<Pool, 'query'>, schema: string): Promise<number[]> {
  const { rows } = await pool.query<{ exists: string | null }>('SELECT to_regclass($1) AS exists', [`${q(schema)}.schema_migrations`]);
  if (!rows[0].exists) return migrations.map((m) => m.version);
  const applied = await pool.query<{ version: number }>(`SELECT version FROM ${q(schema)}.schema_migrations`);
  const done = new Set(applied.rows.map((r) => r.version));
  return migrations.map((m) => m.version).filter((v) => !done.has(v));
}

const ensured = new WeakMap<Pool, Map<string, Promise<MigrationResult>>>();

/** For nodes: migrate once per pool and schema in this process, on first use. */
export function ensureSchema(pool: Pool, schema: string): Promise<MigrationResult> {
  let bySchema = ensured.get(pool);
  if (!bySchema) ensured.set(pool, (bySchema = new Map()));
  let pending = bySchema.get(schema);
  if (!pending) {
    pending = migrate(pool, schema);
    pending.catch(() => bySchema!.delete(schema));
    bySchema.set(schema, pending);
  }
  return pending;
}
