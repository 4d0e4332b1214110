import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { RuntimeState } from '../service';
import { healthRoutes } from './health';

/** Probes and scrapes are logged at debug: they would drown the log at info. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Every request gets an id (the caller's `x-request-id`, else a new one), echoed in the answer, and
 * one log line when answered: method, path (without the query), status, duration, request id — never
 * headers or bodies. The same moment feeds `sequencer_http_requests_total` by route template.
 */
function requestLog(state: RuntimeState) {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers['x-request-id'];
    const id = (typeof header === 'string' && header.slice(0, 100)) || randomUUID();
    const started = process.hrtime.bigint();
    const path = req.originalUrl.split('?')[0];
    res.setHeader('x-request-id', id);
    res.locals.log = state.log.child({ reqId: id });
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The matched route's template keeps ids out of the metric labels.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched';
      state.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      state.metrics.httpSeconds.observe({ method: req.method, route }, seconds);
      const level = res.statusCode >= 500 ? 'error' : QUIET_PATHS.has(path) ? 'debug' : 'info';
      state.log[level]({ reqId: id, method: req.method, path, status: res.statusCode, durationMs: Math.round(seconds * 10_000) / 10 }, 'request');
    });
    next();
  };
}

/** The runtime's HTTP surface. Routes that need the database answer 503 until it is ready. */
export function createApp(state: RuntimeState): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(state));
  app.use(healthRoutes(state));
  for (const mount of state.routes) app.use(mount(state));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such route. See /openapi.json for the API (or /docs).' } });
  });
  return app;
}
