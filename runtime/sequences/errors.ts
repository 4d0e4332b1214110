import type { z } from 'zod/v4';

/**
 * A refusal of the sequence engine that a caller can act on. `code` maps to HTTP in the API
 * (`not_found` 404, `conflict` 409, `validation_failed` 400, `invalid_state` 409) and to a
 * NodeOperationError in the nodes; `details` lists `{ field, message }` for validation errors.
 */
export type SequencerErrorCode = 'not_found' | 'conflict' | 'validation_failed' | 'invalid_state';

export interface FieldProblem {
  field: string;
  message: string;
}

export class SequencerError extends Error {
  constructor(
    readonly code: SequencerErrorCode,
    message: string,
    readonly details?: FieldProblem[],
  ) {
    super(message);
    this.name = 'SequencerError';
  }
}

/**
 * zod issues as `{ field, message }`, fields joined with dots under `prefix` (e.g.
 * `settings.workingHours.start`); an issue about the whole value (e.g. an unknown key) has the prefix alone.
 */
export function fieldProblems(error: z.ZodError, prefix?: string): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== '').join('.'),
    message: issue.message,
  }));
}

/** Parses with `schema` or throws a `validation_failed` SequencerError naming the first bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = fieldProblems(parsed.error, prefix);
  throw new SequencerError('validation_failed', `${details[0].field || 'input'}: ${details[0].message}`, details);
}
