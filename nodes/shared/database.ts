import { createHash } from 'node:crypto';
import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import type { Pool, PoolConfig } from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Ctx } from '../../runtime/context';
import { assertSchemaName } from '../../runtime/db/identifier';
import { ensureSchema } from '../../runtime/db/migrate';
import { createPool } from '../../runtime/db/pool';
import { startBoss } from '../../runtime/jobs/boss';
import { silentLogger } from '../../runtime/log';

/**
 * Nodes reach the shared schema through the Sequencer Database credential. Pools and pg-boss
 * clients are cached per connection for the life of the n8n process; the schema is migrated on
 * first use, exactly as the runtime would.
 */
export interface DatabaseCredential {
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: 'disable' | 'require' | 'allow-self-signed';
  schema?: string;
}

interface Connection {
  pool: Pool;
  boss?: Promise<PgBoss>;
}

const connections = new Map<string, Connection>();

export function poolConfigOf(c: DatabaseCredential): PoolConfig {
  const ssl = c.ssl === 'require' ? { rejectUnauthorized: true } : c.ssl === 'allow-self-signed' ? { rejectUnauthorized: false } : undefined;
  if (c.connectionString) return { connectionString: c.connectionString, ssl };
  return { host: c.host ?? 'localhost', port: Number(c.port ?? 5432), database: c.database, user: c.user, password: c.password, ssl };
}

function keyOf(config: PoolConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

function connectionFor(c: DatabaseCredential): Connection {
  const config = poolConfigOf(c);
  const key = keyOf(config);
  let conn = connections.get(key);
  if (!conn) {
    const { connectionString, ...rest } = config;
    const pool = createPool(connectionString ?? '', { ...rest, max: 10 });
    conn = { pool };
    connections.set(key, conn);
  }
  return conn;
}

/** The domain context for a credential: pool, validated schema, migrated, with a pg-boss client. */
export async function contextFor(credential: ICredentialDataDecryptedObject, options: { dryRun?: boolean } = {}): Promise<Ctx> {
  const c = credential as DatabaseCredential;
  const schema = c.schema || 'sequencer';
  assertSchemaName(schema);
  const conn = connectionFor(c);
  await ensureSchema(conn.pool, schema);
  conn.boss ??= startBoss({ schema, pool: conn.pool, supervise: false, log: silentLogger });
  conn.boss.catch(() => (conn.boss = undefined));
  return { pool: conn.pool, schema, boss: await conn.boss, log: silentLogger, dryRun: options.dryRun };
}

/** For the credential test: can we connect, and is the schema name usable? */
export async function testConnection(credential: ICredentialDataDecryptedObject): Promise<{ status: 'OK' | 'Error'; message: string }> {
  const c = credential as DatabaseCredential;
  try {
    assertSchemaName(c.schema || 'sequencer');
    const { connectionString, ...rest } = poolConfigOf(c);
    const pool = createPool(connectionString ?? '', { ...rest, max: 1, connectionTimeoutMillis: 5000 });
    try {
      const { rows } = await pool.query<{ version: string }>('SELECT current_setting(\'server_version\') AS version');
      return { status: 'OK', message: `Connected to PostgreSQL ${rows[0].version}` };
    } finally {
      await pool.end();
    }
  } catch (error) {
    return { status: 'Error', message: (error as Error).message };
  }
}

/** `methods.credentialTest` of every node that uses the shared schema (`testedBy: 'sequencerDatabaseTest'`). */
export const databaseCredentialTest = {
  async sequencerDatabaseTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
    return testConnection(credential.data ?? {});
  },
};

/** For tests and shutdown: close every cached pool. */
export async function closeAllConnections(): Promise<void> {
  const all = [...connections.values()];
  connections.clear();
  for (const c of all) {
    const boss = await c.boss?.catch(() => undefined);
    await boss?.stop({ graceful: false, timeout: 1000 }).catch(() => undefined);
    await c.pool.end().catch(() => undefined);
  }
}
