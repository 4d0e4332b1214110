import { Router } from 'express';
import type { Config } from '../config';
import { LATEST_VERSION, pendingMigrations } from '../db/migrate';
import type { RuntimeState } from '../service';

const VERSION = (require('../../package.json') as { version: string }).version;

/**
 * `/healthz` (process up), `/readyz` (database, schema, workers — 503 naming what is not ready —
 * plus version, schema and warnings about switched-off features) and `/metrics`.
 */
export function healthRoutes(state: RuntimeState): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await readiness(state);
    const ready = Object.values(checks).every((c) => c.ok);
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      version: VERSION,
      schema: state.config.schema,
      uptimeSeconds: Math.round(process.uptime()),
      checks,
      warnings: configurationWarnings(state.config),
    });
  });
  router.get('/metrics', async (_req, res) => {
    await state.refreshGauges?.().catch(() => undefined);
    res.type(state.metrics.registry.contentType).send(await state.metrics.registry.metrics());
  });
  return router;
}

type Check = { ok: boolean; detail?: string };

async function readiness(state: RuntimeState): Promise<Record<'database' | 'schema' | 'workers', Check>> {
  const ctx = state.ctx;
  if (!ctx) {
    const waiting = { ok: false, detail: state.startupProblem ?? 'starting' };
    return { database: waiting, schema: { ok: false, detail: 'not checked yet' }, workers: { ok: false, detail: 'not started' } };
  }
  let database: Check;
  let schema: Check = { ok: false, detail: 'not checked' };
  try {
    const started = Date.now();
    const pending = await withTimeout(pendingMigrations(ctx.pool, ctx.schema), 2000);
    database = { ok: true, detail: `${state.databaseTarget} answered in ${Date.now() - started} ms` };
    schema = pending.length === 0 ? { ok: true, detail: `version ${LATEST_VERSION}` } : { ok: false, detail: `migrations pending: ${pending.join(', ')}` };
  } catch (error) {
    database = { ok: false, detail: `${state.databaseTarget}: ${(error as Error).message}` };
  }
  const workers: Check = state.workersRunning ? { ok: true, detail: state.workerNames.join(', ') } : { ok: false, detail: 'stopped' };
  return { database, schema, workers };
}

/** What works but is switched off: readiness is not refused for these, the operator is told. */
function configurationWarnings(config: Config): string[] {
  return [
    ...(config.apiToken ? [] : ['SEQUENCER_API_TOKEN is not set: /api/v1 refuses every call']),
    ...(config.webhookSecret ? [] : ['SEQUENCER_WEBHOOK_SECRET is not set: /webhooks/unipile refuses every delivery']),
    ...(config.unipile ? [] : ['UNIPILE_DSN/UNIPILE_API_KEY are not set: the reconciler is off']),
    ...(config.unipile && config.reconcileMinutes === 0 ? ['SEQUENCER_RECONCILE_MINUTES=0: the reconciler is off'] : []),
    ...(config.dryRun ? ['SEQUENCER_DRY_RUN is on: nothing is sent to UniPile'] : []),
  ];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
