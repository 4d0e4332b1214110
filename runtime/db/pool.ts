import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';

/** Anything that runs a parameterized statement: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export type Tx = PoolClient;

export function createPool(connectionString: string, options: Omit<PoolConfig, 'connectionString'> = {}): Pool {
  const pool = new Pool({ connectionString, max: 20, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000, ...options });
  // An idle client losing its server (Postgres restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A client checked out of the pool. pg emits 'error' on a checked-out client whose server goes away
 * between two queries; without a listener that would crash the process (a Postgres restart must
 * not), so one is attached while the client is out. The next query on it fails, as it should.
 */
export async function checkout(pool: Pool): Promise<Tx> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on('error', ignore);
  const release = client.release.bind(client);
  client.release = (err?: Error | boolean) => {
    client.off('error', ignore);
    return release(err);
  };
  return client;
}

/** Runs `fn` in one transaction; rolls back on any error and rethrows it. */
export async function withTransaction<T>(pool: Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await checkout(pool);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Where a connection string points, without the password: for log lines about reachability. */
export function describeTarget(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}
