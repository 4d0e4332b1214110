import { Router } from 'express';
import type { RuntimeState } from '../../service';
import { openApiDocument } from './openapi';
import type { ApiRoute } from './route';
import { apiRouter } from './router';
import { contactRoutes } from './contacts';
import { inboxRoutes } from './inbox';

/** Every /api/v1 route, grouped by resource. */
export const apiRoutes: ApiRoute[] = [...contactRoutes, ...inboxRoutes];

const VERSION = (require('../../../package.json') as { version: string }).version;

export function apiMount(state: RuntimeState): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(apiRoutes, VERSION));
  });
  router.use('/api/v1', apiRouter(state, apiRoutes));
  return router;
}
