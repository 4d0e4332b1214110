import { Router } from 'express';
import { LATEST_VERSION, pendingMigrations } from '../db/migrate';
import type { RuntimeState } from '../service';

/** `/healthz` (process up), `/readyz` (database, schema, workers) and `/metrics`. */
export function healthRoutes(state: RuntimeState): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await readiness(state);
    const ready = Object.values(checks).every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
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
  let database: Check = { ok: true };
  let schema: Check = { ok: false, detail: 'not checked' };
  try {
    const pending = await withTimeout(pendingMigrations(ctx.pool, ctx.schema), 2000);
    schema = pending.length === 0 ? { ok: true, detail: `version ${LATEST_VERSION}` } : { ok: false, detail: `migrations pending: ${pending.join(', ')}` };
  } catch (error) {
    database = { ok: false, detail: `${state.databaseTarget}: ${(error as Error).message}` };
  }
  const workers: Check = state.workersRunning ? { ok: true, detail: state.workerNames.join(', ') } : { ok: false, detail: 'stopped' };
  return { database, schema, workers };
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
