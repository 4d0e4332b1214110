import { createHash } from 'node:crypto';
import type { RuntimeCtx } from '../../context';
import { q } from '../../db/identifier';
import { ApiError } from './errors';
import type { RouteResult } from './route';

/**
 * `Idempotency-Key` on POSTs that create things: the first request claims the key, its answer is
 * stored, and a repeat with the same body gets that answer again instead of a second effect.
 */
export async function withIdempotency(
  ctx: RuntimeCtx,
  key: string,
  method: string,
  path: string,
  body: unknown,
  run: () => Promise<RouteResult>,
): Promise<RouteResult> {
  if (key.length > 200) throw new ApiError(400, 'validation_failed', 'Idempotency-Key: at most 200 characters');
  const hash = createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
  const s = q(ctx.schema);
  const claimed = await ctx.pool.query(
    `INSERT INTO ${s}.api_idempotency (key, method, path, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key`,
    [key, method, path, hash],
  );
  if (claimed.rowCount === 0) {
    const { rows } = await ctx.pool.query<{ request_hash: string; status: number | null; response: unknown }>(
      `SELECT request_hash, status, response FROM ${s}.api_idempotency WHERE key = $1 AND method = $2 AND path = $3`,
      [key, method, path],
    );
    const prior = rows[0];
    if (prior.request_hash !== hash) {
      throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body; use a new key for a new request');
    }
    if (prior.status === null) throw new ApiError(409, 'request_in_progress', 'A request with this Idempotency-Key is still running; retry shortly');
    return { status: prior.status, body: prior.response };
  }
  try {
    const result = await run();
    await ctx.pool.query(`UPDATE ${s}.api_idempotency SET status = $4, response = $5 WHERE key = $1 AND method = $2 AND path = $3`, [
      key,
      method,
      path,
      result.status ?? 200,
      JSON.stringify(result.body ?? null),
    ]);
    return result;
  } catch (error) {
    // A failed request does not consume the key: the caller may fix it and retry.
    await ctx.pool.query(`DELETE FROM ${s}.api_idempotency WHERE key = $1 AND method = $2 AND path = $3`, [key, method, path]);
    throw error;
  }
}
