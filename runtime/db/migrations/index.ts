import { sharedSchema } from './001_shared_schema';
import { inboxIngest } from './003_inbox';
import { rateLedgerWarmup } from './004_limits_conditions';
import { apiIdempotency } from './006_api';
import { rateDayCounter } from './007_rate_day_counter';

export interface Migration {
  version: number;
  name: string;
  /** SQL for the quoted, validated schema name. */
  up: (schema: string) => string;
}

/** Applied in version order; never edit an applied one, add a new version. */
export const migrations: Migration[] = [
  { version: 1, name: 'shared schema', up: sharedSchema },
  { version: 3, name: 'inbox ingest', up: inboxIngest },
  { version: 4, name: 'rate ledger warm-up index', up: rateLedgerWarmup },
  { version: 6, name: 'api idempotency keys', up: apiIdempotency },
  { version: 7, name: 'rate ledger day counter', up: rateDayCounter },
].sort((a, b) => a.version - b.version);
