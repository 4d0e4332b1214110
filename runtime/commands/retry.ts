import { loadConfig } from '../config';
import { startBoss } from '../jobs/boss';
import { changeEnrollments } from '../sequences/enrollments';
import { withDatabase } from './database';
import { UsageError, type Command } from './types';
import { isUuid } from '../db/uuid';


export const retryCommand: Command = {
  name: 'retry',
  summary: 'Revive failed enrollments: their failed step is dispatched again',
  usage: `sequencer retry ENROLLMENT_ID [ENROLLMENT_ID ...]

Each failed enrollment (e.g. reason dispatch_failed) becomes active again with its failed step due
now; its dead-lettered job is removed. Prints one line per id; exits 1 if any was not retried.`,
  async run(args) {
    if (args.length === 0) throw new UsageError('give at least one enrollment id');
    const bad = args.find((a) => !isUuid(a));
    if (bad) throw new UsageError(`${JSON.stringify(bad)} is not an enrollment id (a UUID)`);
    const config = loadConfig();
    return withDatabase(config, async ({ pool, url, log }) => {
      const boss = await startBoss({ schema: config.schema, connectionString: url, supervise: false, log });
      try {
        const results = await changeEnrollments({ pool, schema: config.schema, boss, log }, args, { action: 'retry' });
        for (const r of results) console.log(`${r.enrollmentId}  ${r.outcome === 'changed' ? `retried (now ${r.status})` : r.message}`);
        return results.every((r) => r.outcome === 'changed') ? 0 : 1;
      } finally {
        await boss.stop({ graceful: false });
      }
    });
  },
};
