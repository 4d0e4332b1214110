import { loadConfig } from '../config';
import { createLogger } from '../log';
import { startRuntime } from '../service';
import type { Command } from './types';

export const startCommand: Command = {
  name: 'start',
  summary: 'Start the runtime: database, migrations, workers and the HTTP server',
  usage: `sequencer start

Configuration comes from the environment (see docs/operations.md): DATABASE_URL (unset: embedded
PostgreSQL under ./.data/postgres), SEQUENCER_SCHEMA, HOST, PORT, SEQUENCER_API_TOKEN,
SEQUENCER_WEBHOOK_SECRET, UNIPILE_DSN, UNIPILE_API_KEY, OPENAI_API_KEY, OPENAI_BASE_URL, LOG_LEVEL,
SEQUENCER_DRY_RUN.`,
  async run() {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    const runtime = await startRuntime(config, log);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        runtime.close().then(resolve, (error: Error) => {
          log.error({ err: error }, 'shutdown failed');
          resolve();
        });
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
    return 0;
  },
};
