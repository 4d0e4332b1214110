import type { Request } from 'express';
import { z } from 'zod/v4';
import type { RuntimeCtx } from '../../context';
import { REASON_CODES } from '../../sequences/reasons';

/**
 * One API route: its schemas validate the request and generate the OpenAPI document, so the two
 * never disagree (STYLE §2).
 */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
}

export interface RouteResult {
  status?: number;
  body: unknown;
}

export interface ApiRoute<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Express-style path under /api/v1, e.g. `/sequences/:key`. */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Schema of the success body, for the document. */
  response?: z.ZodType;
  status?: number;
  /** POSTs that create things honour `Idempotency-Key`. */
  idempotent?: boolean;
  /** Error statuses this route answers beyond 400, 401 and 503 (e.g. 404, 409), for the document. */
  errors?: number[];
  handler(ctx: RuntimeCtx, input: RouteInput<P, Q, B>): Promise<RouteResult>;
}

/** Keeps each route's types inferred from its schemas while the list stays heterogeneous. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(r: ApiRoute<P, Q, B>): ApiRoute {
  return r as unknown as ApiRoute;
}

/** Common query pieces. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size (1–500)'),
  cursor: z.string().min(1).optional().describe('`next_cursor` of the previous page'),
};

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** A moment in a response: a Date in the handler, an ISO 8601 string on the wire (`date-time` in the document). */
export const timestamp = z.date();

/** `{ field, message }` as validation details and per-item problems give them. */
export const fieldProblemSchema = z.object({ field: z.string(), message: z.string() });

/** A reason code of docs/schema.md, for stops, pauses and do-not-contact. */
export const reasonSchema = z.enum(REASON_CODES, { error: 'expected a reason code such as manual, meeting_booked or unsubscribed (docs/schema.md)' });

/** A page of a keyset-paginated list. */
export const pageOf = (item: z.ZodType) => z.object({ items: z.array(item), next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page') });
