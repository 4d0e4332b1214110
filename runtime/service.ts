import type { Server } from 'node:http';
import path from 'node:path';
import type { Router } from 'express';
import type { Pool } from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Config } from './config';
import type { RuntimeCtx } from './context';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded';
import { migrate } from './db/migrate';
import { createPool, describeTarget } from './db/pool';
import { startBoss } from './jobs/boss';
import type { Logger } from './log';
import { createMetrics, type Metrics } from './metrics';
import { createApp } from './server/app';
import { routeMounts } from './server/routes';
import { refreshGauges } from './worker/gauges';
import { workerStarters } from './worker';

export type RouteMount = (state: RuntimeState) => Router;

/** What the HTTP layer sees: readiness inputs, and the context once the database is up. */
export interface RuntimeState {
  config: Config;
  log: Logger;
  metrics: Metrics;
  databaseTarget: string;
  ctx?: RuntimeCtx;
  startupProblem?: string;
  workersRunning: boolean;
  workerNames: string[];
  routes: RouteMount[];
  refreshGauges?: () => Promise<void>;
}

export interface RunningRuntime {
  state: RuntimeState;
  server: Server;
  url: string;
  databaseUrl: string;
  /** Resolves once the database is migrated and the workers run. */
  ready: Promise<RuntimeCtx>;
  close(): Promise<void>;
}

/**
 * Start order: database (embedded when DATABASE_URL is unset) → HTTP (healthz answers at once,
 * readyz says why it is not ready) → migrations, retried while the database is unreachable →
 * pg-boss → workers. Shutdown runs it backwards.
 */
export async function startRuntime(config: Config, log: Logger): Promise<RunningRuntime> {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.embeddedPort, log });
    databaseUrl = embedded.url;
    log.info({ dataDir: embedded.dataDir, port: embedded.port }, `embedded PostgreSQL running in ${embedded.dataDir} on 127.0.0.1:${embedded.port}`);
  }
  const metrics = createMetrics();
  const state: RuntimeState = {
    config,
    log,
    metrics,
    databaseTarget: describeTarget(databaseUrl),
    workersRunning: false,
    workerNames: [],
    routes: routeMounts,
  };
  const app = createApp(state);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  }).catch(async (error: Error) => {
    await embedded?.stop();
    throw new Error(`Cannot listen on ${config.host}:${config.port}: ${error.message}. Set HOST/PORT to a free address.`, { cause: error });
  });
  const url = `http://${config.host}:${config.port}`;
  log.info({ url, schema: config.schema }, `sequencer runtime listening on ${url}`);

  const pool = createPool(databaseUrl);
  let boss: PgBoss | undefined;
  let closing = false;

  const ready = (async (): Promise<RuntimeCtx> => {
    await migrateWhenReachable(pool, config.schema, state, () => closing);
    boss = await startBoss({ schema: config.schema, connectionString: databaseUrl, supervise: true, dispatchRetry: config.dispatchRetry, log });
    const ctx: RuntimeCtx = { pool, schema: config.schema, boss, log, metrics, config, dryRun: config.dryRun };
    for (const worker of workerStarters) {
      await worker.start(ctx);
      state.workerNames.push(worker.name);
    }
    state.refreshGauges = () => refreshGauges(ctx);
    state.ctx = ctx;
    state.workersRunning = true;
    state.startupProblem = undefined;
    log.info({ workers: state.workerNames }, 'runtime ready');
    return ctx;
  })();
  ready.catch((error: Error) => {
    state.startupProblem = error.message;
    log.error({ err: error }, 'runtime failed to start');
  });

  return {
    state,
    server,
    url,
    databaseUrl,
    ready,
    async close() {
      closing = true;
      state.workersRunning = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await ready.catch(() => undefined);
      await boss?.stop({ graceful: true, timeout: 10_000 }).catch((e: Error) => log.warn({ err: e }, 'pg-boss stop'));
      await pool.end().catch(() => undefined);
      await embedded?.stop();
      log.info('runtime stopped');
    },
  };
}

async function migrateWhenReachable(pool: Pool, schema: string, state: RuntimeState, closing: () => boolean): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await migrate(pool, schema);
      state.log.info({ schema, applied: result.applied, version: result.version }, 'schema up to date');
      return;
    } catch (error) {
      if (closing()) throw error;
      const code = (error as { code?: string }).code;
      const unreachable = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === '57P03' || /timeout|terminated|connect/i.test((error as Error).message);
      if (!unreachable) throw error;
      const waitSeconds = Math.min(2 ** Math.min(attempt - 1, 5), 30);
      state.startupProblem = `database ${state.databaseTarget} unreachable: ${(error as Error).message}`;
      state.log.warn({ target: state.databaseTarget, attempt, retryInSeconds: waitSeconds }, `database ${state.databaseTarget} unreachable (${(error as Error).message}); retrying`);
      await new Promise((r) => setTimeout(r, waitSeconds * 1000));
    }
  }
}
