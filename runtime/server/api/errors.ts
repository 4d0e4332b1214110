import type { z } from 'zod/v4';
import type { SequencerError } from '../../sequences/errors';

/** An API error with the JSON shape `{ error: { code, message, details } }` (DESIGN §4). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string, id: string) => new ApiError(404, 'not_found', `${what} ${JSON.stringify(id)} does not exist`);

/** zod issues → field paths a caller can act on, e.g. `contacts.3.email`. */
export function validationError(where: 'body' | 'query' | 'params', error: z.ZodError): ApiError {
  const details = error.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }));
  const first = details[0];
  return new ApiError(400, 'validation_failed', `Invalid request ${where}: ${first.field}: ${first.message}`, details);
}

const ENGINE_STATUS: Record<SequencerError['code'], number> = { not_found: 404, conflict: 409, invalid_state: 409, validation_failed: 400 };

/**
 * A refusal of the sequence engine as an API error. The engine validates what the request body
 * carried, so its validation field paths are put under `body.` like the router's own.
 */
export function fromSequencerError(error: SequencerError): ApiError {
  const details = error.code === 'validation_failed' ? error.details?.map((d) => ({ field: d.field ? `body.${d.field}` : 'body', message: d.message })) : error.details;
  return new ApiError(ENGINE_STATUS[error.code], error.code, error.message, details);
}
