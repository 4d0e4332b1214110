import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { RuntimeState } from '../service';
import { DeliveryBatcher } from './deliveries';

/**
 * `POST /webhooks/unipile` (DESIGN §4): every UniPile source on one URL. UniPile signs nothing in v1,
 * so a shared secret travels in `X-Webhook-Secret` (set by `sequencer webhooks register`). The body
 * is read raw and parsed as JSON whatever the Content-Type, stored, applied, and answered 200 with
 * `{ status: processed | duplicate | ignored | failed }` — never waiting for n8n.
 *
 * Refusals: no SEQUENCER_WEBHOOK_SECRET configured → 503 (UniPile retries, so nothing is lost while
 * the operator sets it); missing or wrong secret → 401; body over 1 MiB → 413; not a JSON object →
 * 400; database not ready → 503. None of these stores anything.
 */
export const WEBHOOK_PATH = '/webhooks/unipile';
export const SECRET_HEADER = 'X-Webhook-Secret';
const MAX_BODY = '1mb';

export function webhookRoutes(state: RuntimeState): Router {
  const router = Router();
  const { log, metrics } = state;
  const refuse = (res: Response, status: number, outcome: string, code: string, message: string) => {
    metrics.webhookDeliveries.inc({ status: outcome });
    res.status(status).json({ error: { code, message } });
  };
  if (!state.config.webhookSecret) {
    log.warn(`SEQUENCER_WEBHOOK_SECRET is not set: ${WEBHOOK_PATH} refuses every delivery with 503 until it is (at least 16 characters, the value of ${SECRET_HEADER} in the UniPile webhooks)`);
  }
  let lastMissingSecretLog = 0;
  let batcher: DeliveryBatcher | undefined;

  const authenticate = (req: Request, res: Response, next: NextFunction) => {
    const secret = state.config.webhookSecret;
    if (!secret) {
      if (Date.now() - lastMissingSecretLog > 60_000) {
        lastMissingSecretLog = Date.now();
        log.error(`a UniPile webhook was refused: set SEQUENCER_WEBHOOK_SECRET and register the webhooks with it (sequencer webhooks register)`);
      }
      return refuse(res, 503, 'unauthorized', 'webhook_secret_not_configured', 'Webhooks are disabled: set SEQUENCER_WEBHOOK_SECRET on the runtime and restart it');
    }
    if (!secretMatches(req.get(SECRET_HEADER), secret)) {
      return refuse(res, 401, 'unauthorized', 'unauthorized', `Missing or wrong ${SECRET_HEADER} header`);
    }
    if (!state.ctx) return refuse(res, 503, 'failed', 'not_ready', `The runtime is not ready: ${state.startupProblem ?? 'starting'}`);
    next();
  };

  router.post(WEBHOOK_PATH, authenticate, express.raw({ type: () => true, limit: MAX_BODY }), async (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return refuse(res, 400, 'invalid', 'invalid_json', 'The body is not valid JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return refuse(res, 400, 'invalid', 'invalid_payload', 'The body must be a JSON object, as UniPile sends');
    }
    try {
      batcher ??= new DeliveryBatcher(state.ctx!);
      const result = await batcher.submit({ body: body as Record<string, unknown>, payload: text });
      metrics.webhookDeliveries.inc({ status: result.status });
      metrics.ingestSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      res.status(200).json({ status: result.status, id: result.id });
    } catch (error) {
      next(error);
    }
  });

  router.use(WEBHOOK_PATH, (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = error as { type?: string; status?: number };
    if (e.type === 'entity.too.large') return refuse(res, 413, 'too_large', 'too_large', 'The body is over 1 MiB');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return refuse(res, e.status, 'invalid', 'invalid_body', (error as Error).message);
    // Storing failed (database down): nothing was kept, so answer non-200 and let UniPile retry.
    log.error({ err: error }, 'webhook delivery could not be stored; UniPile will retry it');
    refuse(res, 500, 'failed', 'internal', 'The delivery could not be stored; it will be retried');
  });
  return router;
}

/** Constant time, and both sides hashed so the secret's length does not leak either. */
function secretMatches(given: string | undefined, secret: string): boolean {
  if (!given) return false;
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(secret).digest());
}
