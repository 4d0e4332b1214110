import { sharedSchema } from './001_shared_schema';
import { apiIdempotency } from './006_api';

export interface Migration {
  version: number;
  name: string;
  /** SQL for the quoted, validated schema name. */
  up: (schema: string) => string;
}

/** Applied in version order; never edit an applied one, add a new version. */
export const migrations: Migration[] = [
  { version: 1, name: 'shared schema', up: sharedSchema },
  { version: 6, name: 'api idempotency keys', up: apiIdempotency },
].sort((a, b) => a.version - b.version);
