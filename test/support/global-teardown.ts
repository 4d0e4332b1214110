import { rmSync } from 'node:fs';
import type { EmbeddedDatabase } from '../../runtime/db/embedded';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as { __SEQUENCER_TEST_PG__?: EmbeddedDatabase }).__SEQUENCER_TEST_PG__;
  if (!db) return;
  await db.stop();
  rmSync(db.dataDir, { recursive: true, force: true });
}
