import { z } from 'zod/v4';
import { assertSchemaName } from './db/identifier';

/** Every setting of the runtime, read once from the environment and validated here (DESIGN §4). */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalSecret = (minLength: number) =>
  z
    .string()
    .min(minLength, { error: `expected at least ${minLength} characters` })
    .optional();

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'expected a postgres:// connection URL' })
    .optional(),
  SEQUENCER_SCHEMA: z
    .string()
    .default('sequencer')
    .refine((v) => {
      try {
        assertSchemaName(v);
        return true;
      } catch {
        return false;
      }
    }, { error: 'expected a plain lower-case identifier (letters, digits, underscore; at most 40 characters)' }),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a whole port number' })
    .min(1, { error: 'expected a port between 1 and 65535' })
    .max(65535, { error: 'expected a port between 1 and 65535' })
    .default(3000),
  SEQUENCER_API_TOKEN: optionalSecret(16),
  SEQUENCER_WEBHOOK_SECRET: optionalSecret(16),
  UNIPILE_DSN: z
    .string()
    .regex(/^(https?:\/\/)?[A-Za-z0-9.-]+(:\d+)?(\/.*)?$/, { error: 'expected a DSN such as api1.unipile.com:13111 or a base URL' })
    .optional(),
  UNIPILE_API_KEY: z.string().min(1).optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url({ error: 'expected an absolute http(s) URL' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEQUENCER_DRY_RUN: booleanFlag.default(false),
  SEQUENCER_DATA_DIR: z.string().min(1).default('.data'),
  /** Minutes between reconciliation rounds per account (0 = off); a divisor of 60 keeps rounds evenly spaced. */
  SEQUENCER_RECONCILE_MINUTES: z.coerce
    .number({ error: 'expected a number of minutes' })
    .int({ error: 'expected a whole number of minutes' })
    .min(0, { error: 'expected 0 (off) to 60 minutes' })
    .max(60, { error: 'expected 0 (off) to 60 minutes' })
    .default(10),
  /** Attempts after the first before a step's dispatch fails for good (`dispatch_failed`). */
  SEQUENCER_DISPATCH_RETRIES: z.coerce
    .number({ error: 'expected a number of retries' })
    .int({ error: 'expected a whole number of retries' })
    .min(0, { error: 'expected 0 to 20 retries' })
    .max(20, { error: 'expected 0 to 20 retries' })
    .default(6),
  /** First retry delay; it doubles per attempt (pg-boss backoff), capped at 15 minutes. */
  SEQUENCER_DISPATCH_RETRY_DELAY_SECONDS: z.coerce
    .number({ error: 'expected a number of seconds' })
    .int({ error: 'expected a whole number of seconds' })
    .min(1, { error: 'expected 1 to 3600 seconds' })
    .max(3600, { error: 'expected 1 to 3600 seconds' })
    .default(15),
  SEQUENCER_EMBEDDED_PORT: z.coerce
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a whole port number' })
    .min(1024, { error: 'expected a port between 1024 and 65535' })
    .max(65535, { error: 'expected a port between 1024 and 65535' })
    .default(54329),
});

export type Config = {
  databaseUrl?: string;
  schema: string;
  jobsSchema: string;
  host: string;
  port: number;
  apiToken?: string;
  webhookSecret?: string;
  unipile?: { dsn: string; apiKey: string };
  openai: { apiKey?: string; baseUrl?: string };
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  dryRun: boolean;
  dataDir: string;
  embeddedPort: number;
  /** Minutes between reconciler rounds; 0 turns the schedule off. */
  reconcileMinutes: number;
  dispatchRetry: DispatchRetry;
};

export interface DispatchRetry {
  retries: number;
  delaySeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, as in most process managers' env files. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (Boolean(e.UNIPILE_DSN) !== Boolean(e.UNIPILE_API_KEY)) {
    problems.push('UNIPILE_DSN and UNIPILE_API_KEY: set both or neither');
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    databaseUrl: e.DATABASE_URL,
    schema: e.SEQUENCER_SCHEMA,
    jobsSchema: `${e.SEQUENCER_SCHEMA}_jobs`,
    host: e.HOST,
    port: e.PORT,
    apiToken: e.SEQUENCER_API_TOKEN,
    webhookSecret: e.SEQUENCER_WEBHOOK_SECRET,
    unipile: e.UNIPILE_DSN && e.UNIPILE_API_KEY ? { dsn: e.UNIPILE_DSN, apiKey: e.UNIPILE_API_KEY } : undefined,
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL },
    logLevel: e.LOG_LEVEL,
    dryRun: e.SEQUENCER_DRY_RUN,
    dataDir: e.SEQUENCER_DATA_DIR,
    embeddedPort: e.SEQUENCER_EMBEDDED_PORT,
    reconcileMinutes: e.SEQUENCER_RECONCILE_MINUTES,
    dispatchRetry: { retries: e.SEQUENCER_DISPATCH_RETRIES, delaySeconds: e.SEQUENCER_DISPATCH_RETRY_DELAY_SECONDS },
  };
}
