import type { z } from 'zod/v4';

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
