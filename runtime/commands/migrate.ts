import { loadConfig } from '../config';
import { withDatabase } from './database';
import type { Command } from './types';
import { startBoss } from '../jobs/boss';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Create or upgrade the shared schema and the job queue schema, then exit',
  usage: `sequencer migrate

Applies pending migrations to SEQUENCER_SCHEMA (default "sequencer") and its pg-boss schema
"<schema>_jobs" in DATABASE_URL (unset: the embedded database). Safe to run concurrently and repeatedly.`,
  async run() {
    const config = loadConfig();
    return withDatabase(config, async ({ log, migrated, url }) => {
      const boss = await startBoss({ schema: config.schema, connectionString: url, supervise: false, log });
      await boss.stop({ graceful: false });
      console.log(
        migrated.applied.length
          ? `schema ${config.schema}: applied migrations ${migrated.applied.join(', ')} (now at version ${migrated.version})`
          : `schema ${config.schema}: already at version ${migrated.version}, nothing to do`,
      );
      return 0;
    });
  },
};
