import { loadConfig } from '../../runtime/config';
import { jobsSchemaOf } from '../../runtime/db/identifier';
import { silentLogger } from '../../runtime/log';
import { startRuntime, type RunningRuntime } from '../../runtime/service';
import { main } from '../../runtime/cli';
import { testDatabaseUrl, uniqueSchemaName } from '../support/db';
import { freePort } from '../support/global-setup';
import { createPool } from '../../runtime/db/pool';

describe('the runtime service', () => {
  let runtime: RunningRuntime;
  const schema = uniqueSchemaName('runtime');

  beforeAll(async () => {
    const port = await freePort();
    runtime = await startRuntime(loadConfig({ DATABASE_URL: testDatabaseUrl(), SEQUENCER_SCHEMA: schema, PORT: String(port) }), silentLogger);
    await runtime.ready;
  });

  afterAll(async () => {
    await runtime.close();
    const pool = createPool(testDatabaseUrl());
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${jobsSchemaOf(schema)}" CASCADE`);
    await pool.end();
  });

  it('answers /healthz and is ready once the schema is current and workers run', async () => {
    expect((await fetch(`${runtime.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${runtime.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks.database.ok && body.checks.schema.ok && body.checks.workers.ok).toBe(true);
  });

  it('creates the configured schema and the pg-boss schema beside it', async () => {
    const pool = createPool(testDatabaseUrl());
    const { rows } = await pool.query(`SELECT nspname FROM pg_namespace WHERE nspname = ANY($1) ORDER BY nspname`, [[schema, jobsSchemaOf(schema)]]);
    await pool.end();
    expect(rows.map((r) => r.nspname)).toEqual([schema, jobsSchemaOf(schema)].sort());
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`${runtime.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('sequencer_webhook_deliveries_total');
    expect(text).toContain('sequencer_process_resident_memory_bytes');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${runtime.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});

describe('a database that cannot be reached', () => {
  it('keeps the process up, answers /readyz 503 naming host and port, and retries', async () => {
    const port = await freePort();
    const deadPort = await freePort();
    const runtime = await startRuntime(
      loadConfig({ DATABASE_URL: `postgres://u:p@127.0.0.1:${deadPort}/db`, PORT: String(port), SEQUENCER_SCHEMA: 'unreachable' }),
      silentLogger,
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect((await fetch(`${runtime.url}/healthz`)).status).toBe(200);
      const res = await fetch(`${runtime.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { checks: { database: { ok: boolean; detail: string } } };
      expect(body.checks.database.ok).toBe(false);
      expect(body.checks.database.detail).toContain(`127.0.0.1:${deadPort}`);
    } finally {
      await runtime.close();
    }
  });
});

describe('sequencer CLI', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.restoreAllMocks();
  });

  it('exits non-zero naming PORT when it is not a number', async () => {
    const errors: string[] = [];
    jest.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    process.env.PORT = 'abc';
    expect(await main(['start'])).toBe(1);
    expect(errors.join('\n')).toMatch(/PORT: expected a port number/);
  });

  it('lists commands with --help and refuses unknown ones with exit code 2', async () => {
    const out: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
    jest.spyOn(console, 'error').mockImplementation((m: string) => void out.push(m));
    expect(await main(['--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/migrate/);
    expect(await main(['frobnicate'])).toBe(2);
    expect(await main(['migrate', '--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/Safe to run concurrently/);
  });

  it('migrate is idempotent: the second run reports nothing to do', async () => {
    const out: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m));
    const schema = uniqueSchemaName('cli_migrate');
    process.env.DATABASE_URL = testDatabaseUrl();
    process.env.SEQUENCER_SCHEMA = schema;
    expect(await main(['migrate'])).toBe(0);
    expect(await main(['migrate'])).toBe(0);
    expect(out[0]).toMatch(/applied migrations/);
    expect(out[1]).toMatch(/nothing to do/);
    const pool = createPool(testDatabaseUrl());
    await pool.query(`DROP SCHEMA "${schema}" CASCADE; DROP SCHEMA "${jobsSchemaOf(schema)}" CASCADE`);
    await pool.end();
  });
});
