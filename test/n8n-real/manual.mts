import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowJson } from './checks.mts';
import { REPO } from './install.mts';
import type { NodeRun } from './n8n.mts';
import { fail } from './proc.mts';
import { passedCheck } from './report.mts';
import { assertRanThrough, importWorkflow, itemOf, readJson, type World } from './workflows.mts';

/**
 * One small manual-trigger workflow per node that can run without a trigger (test/n8n-real/workflows/),
 * imported into the running n8n and run with `n8n execute --id` beside it, as a user would from a
 * shell. The fake UniPile must see nothing: its sends are dry runs.
 */

interface ManualCase {
  file: string;
  /** Checks the run's output (and the world); returns what it showed. */
  check(runData: Record<string, NodeRun[]>, world: World): Promise<string>;
}

const MANUAL_CASES: ManualCase[] = [
  {
    file: 'sequence-step.json',
    async check(runData) {
      const enrolled = itemOf(runData, 'Enroll');
      const got = itemOf(runData, 'Get Enrollment');
      if (enrolled?.outcome !== 'enrolled' || got?.status !== 'active' || got?.id !== enrolled?.enrollmentId) fail(`Sequence Step: enroll gave ${JSON.stringify(enrolled)}, get gave ${JSON.stringify(got)}`);
      return 'Sequence Step enrolled a contact (creating the sequence) and read the enrollment back';
    },
  },
  {
    file: 'rate-gate.json',
    async check(runData) {
      const allowed = itemOf(runData, 'Reserve', 0);
      const usage = itemOf(runData, 'Usage');
      if (!allowed || !usage || !JSON.stringify(usage).includes('n8n_check')) fail(`Rate Gate: reserve gave ${JSON.stringify(allowed)} (allowed output), usage ${JSON.stringify(usage)}`);
      return 'Rate Gate reserved a custom action (allowed) and reported the usage';
    },
  },
  {
    file: 'inbox-upsert-condition.json',
    async check(runData, world) {
      const upserted = itemOf(runData, 'Inbox Upsert');
      const matched = itemOf(runData, 'Replied on LinkedIn?', 0);
      if (upserted?.isNew !== true || upserted?.direction !== 'in' || !matched) fail(`Inbox Upsert gave ${JSON.stringify(upserted)}; Condition Branch true output: ${JSON.stringify(matched)}`);
      const { rows } = await world.runtime.pool.query(`SELECT 1 FROM ${world.runtime.table('messages')} WHERE provider_message_id = 'msg-manual-check-1'`);
      if (rows.length !== 1) fail('Inbox Upsert: the message is not in the messages table');
      return 'Inbox Upsert stored a UniPile webhook body; Condition Branch took the "replied" branch';
    },
  },
  {
    file: 'ai-classify.json',
    async check(runData, world) {
      const { classification } = (itemOf(runData, 'Classify') ?? {}) as { classification?: { category?: string; source?: string } };
      if (classification?.category !== 'unsubscribe' || classification.source !== 'rules') fail(`AI Classify (rules only) gave ${JSON.stringify(classification)}`);
      if (world.openai.requests.some((r) => JSON.stringify(r.body ?? '').includes('unsubscribe me from this list'))) fail('AI Classify (rules only) asked the model');
      return 'AI Classify caught an unsubscribe by rules, without a model call';
    },
  },
  {
    file: 'unipile-send-dry-run.json',
    async check(runData, world) {
      const { rows } = await world.runtime.pool.query<{ status: string }>(`SELECT status FROM ${world.runtime.table('messages')} WHERE idempotency_key = 'n8n-real-dry-run-1'`);
      if (!itemOf(runData, 'Look Up Profile') || rows[0]?.status !== 'dry_run') fail(`UniPile Send dry run: profile ${JSON.stringify(itemOf(runData, 'Look Up Profile'))}, message rows ${JSON.stringify(rows)}`);
      return 'UniPile Send in dry run: profile and message recorded (dry_run), nothing sent';
    },
  },
];

export async function runManualWorkflows(world: World): Promise<void> {
  const dir = path.join(REPO, 'test/n8n-real/workflows');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const unchecked = files.filter((f) => !MANUAL_CASES.some((c) => c.file === f));
  if (unchecked.length) fail(`test/n8n-real/workflows has workflows without a check: ${unchecked.join(', ')}`);
  const unipileBefore = world.unipile.requests.length;

  for (const c of MANUAL_CASES) {
    const workflow = readJson<WorkflowJson>(path.join(dir, c.file));
    const id = await importWorkflow(world, workflow, `test/n8n-real/workflows/${c.file}`);
    const started = Date.now();
    const { code, result, output, logFile } = await world.n8n.execute(id);
    const runError = result?.data?.resultData?.error;
    // The n8n 2.41 CLI sometimes dies by a signal (seen: SIGSEGV) while shutting down, after it printed the
    // whole, successful run: that is n8n's exit, not our nodes; the run data is still checked below.
    const crashedOnExit = typeof code === 'string' && result !== null && !runError && result.data?.resultData?.runData !== undefined;
    if (crashedOnExit) console.warn(`  ! n8n execute (${c.file}) was killed by ${code} after printing a successful run; checking that run (log: ${logFile})`);
    if ((code !== 0 && !crashedOnExit) || !result || runError) {
      const why = runError ? `: node "${runError.node?.name ?? '?'}" failed: ${runError.message ?? ''} ${runError.description ?? ''}` : result ? '' : ' and printed no run data';
      const ended = typeof code === 'string' ? `was killed by ${code}` : `exited with code ${code}`;
      fail(`\`n8n execute --id ${id}\` (${c.file}) ${ended}${why} (whole output: ${logFile})\n${output.length > 4000 ? `${output.slice(0, 2000)}\n…\n${output.slice(-2000)}` : output}`);
    }
    const runData = result.data?.resultData?.runData ?? {};
    assertRanThrough(runData, workflow.nodes.map((n) => n.name), c.file);
    passedCheck(`${c.file} (${((Date.now() - started) / 1000).toFixed(1)} s): ${await c.check(runData, world)}`);
  }
  if (world.unipile.requests.length !== unipileBefore) fail(`the manual workflows called UniPile ${world.unipile.requests.length - unipileBefore} times (its sends are dry runs)`);
}
