/**
 * Schema names reach SQL as identifiers, never as parameters, so they are validated here once and
 * quoted by the one helper every statement uses.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,49}$/;
/** Room for the `_jobs` suffix of the pg-boss schema within pg-boss's 50-byte limit. */
const MAX_SCHEMA_LENGTH = 40;

export class InvalidSchemaNameError extends Error {
  constructor(name: unknown) {
    super(
      `Invalid schema name ${JSON.stringify(name)}: use a plain lower-case identifier ` +
        '(a letter or underscore, then letters, digits or underscores; at most 40 characters), e.g. "sequencer" or "acme".',
    );
    this.name = 'InvalidSchemaNameError';
  }
}

export function assertSchemaName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name) || name.length > MAX_SCHEMA_LENGTH || name.startsWith('pg_')) {
    throw new InvalidSchemaNameError(name);
  }
}

/** `"name"` for a validated schema (or its `_jobs` twin); use as `${q(schema)}.table` in statements. */
export function q(schema: string): string {
  if (!IDENTIFIER.test(schema) || schema.startsWith('pg_')) throw new InvalidSchemaNameError(schema);
  return `"${schema}"`;
}

/** pg-boss lives next to the shared schema. */
export function jobsSchemaOf(schema: string): string {
  assertSchemaName(schema);
  return `${schema}_jobs`;
}
