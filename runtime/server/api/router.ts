import { timingSafeEqual, createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { RuntimeState } from '../../service';
import { SequencerError } from '../../sequences/errors';
import { ApiError, fromSequencerError, validationError } from './errors';
import { withIdempotency } from './idempotency';
import type { ApiRoute } from './route';

/** Constant-time bearer check; both sides hashed so lengths never leak. */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith('Bearer ')) return false;
  const a = createHash('sha256').update(header.slice(7)).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function sendError(res: Response, error: ApiError) {
  res.status(error.status).json({ error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } });
}

/** Mounts the routes under /api/v1 with auth, validation, idempotency and the JSON error shape. */
export function apiRouter(state: RuntimeState, routes: ApiRoute[]): Router {
  const api = Router();
  api.use(express.json({ limit: '5mb' }));
  api.use((req, res, next) => {
    if (!state.config.apiToken) {
      return sendError(res, new ApiError(503, 'api_disabled', 'The API is disabled: set SEQUENCER_API_TOKEN (at least 16 characters) and restart'));
    }
    if (!bearerMatches(req.headers.authorization, state.config.apiToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, new ApiError(401, 'unauthorized', 'Missing or wrong bearer token: send Authorization: Bearer <SEQUENCER_API_TOKEN>'));
    }
    if (!state.ctx) return sendError(res, new ApiError(503, 'not_ready', `The runtime is not ready: ${state.startupProblem ?? 'starting'}`));
    next();
  });
  for (const r of routes) {
    api[r.method](r.path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const parse = <T>(where: 'params' | 'query' | 'body', schema: ApiRoute['params'], value: unknown): T => {
          if (!schema) return value as T;
          const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
          if (!parsed.success) throw validationError(where, parsed.error);
          return parsed.data as T;
        };
        const input = { params: parse('params', r.params, req.params), query: parse('query', r.query, req.query), body: parse('body', r.body, req.body), req };
        const run = () => r.handler(state.ctx!, input);
        const key = req.header('idempotency-key');
        const result = r.idempotent && key ? await withIdempotency(state.ctx!, key, r.method, req.path, req.body, run) : await run();
        res.status(result.status ?? r.status ?? 200).json(result.body);
      } catch (error) {
        next(error);
      }
    });
  }
  api.use((_req, res) => sendError(res, new ApiError(404, 'not_found', 'No such API route; see /openapi.json')));
  api.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof ApiError) return sendError(res, error);
    if (error instanceof SequencerError) return sendError(res, fromSequencerError(error));
    const e = error as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') return sendError(res, new ApiError(400, 'invalid_json', 'The request body is not valid JSON'));
    if (e.type === 'entity.too.large') return sendError(res, new ApiError(413, 'too_large', 'The request body is over 5 MiB'));
    ((res.locals.log as RuntimeState['log'] | undefined) ?? state.log).error({ err: error }, 'API request failed');
    sendError(res, new ApiError(500, 'internal', 'Internal error; the runtime log has the details'));
  });
  return api;
}
