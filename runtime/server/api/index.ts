import { Router } from 'express';
import type { RuntimeState } from '../../service';
import { contactRoutes } from './contacts';
import { docsPage } from './docs';
import { enrollmentRoutes } from './enrollments';
import { inboxRoutes } from './inbox';
import { openApiDocument } from './openapi';
import type { ApiRoute } from './route';
import { apiRouter } from './router';
import { sequenceRoutes } from './sequences';

/** Every /api/v1 route, grouped by resource. */
export const apiRoutes: ApiRoute[] = [...sequenceRoutes, ...enrollmentRoutes, ...contactRoutes, ...inboxRoutes];

const VERSION = (require('../../../package.json') as { version: string }).version;

export function apiMount(state: RuntimeState): Router {
  const router = Router();
  const document = openApiDocument(apiRoutes, VERSION);
  const page = docsPage(document);
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(page);
  });
  router.use('/api/v1', apiRouter(state, apiRoutes));
  return router;
}
