import express, { type Express } from 'express';
import { randomUUID } from 'node:crypto';
import type { RuntimeState } from '../service';
import { healthRoutes } from './health';

/** The runtime's HTTP surface. Routes that need the database answer 503 until it is ready. */
export function createApp(state: RuntimeState): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const id = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) || randomUUID();
    res.setHeader('x-request-id', id);
    (req as express.Request & { id?: string }).id = id;
    next();
  });
  app.use(healthRoutes(state));
  for (const mount of state.routes) app.use(mount(state));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such route. See /openapi.json for the API.' } });
  });
  return app;
}
