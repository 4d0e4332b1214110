/**
 * `npm run test:n8n`: the package proven in a real n8n 2.41.1 server, installed the way n8n's
 * Community Nodes installer installs it (README "Tested with"; issue 11). Everything runs on loopback
 * in a temporary folder and is stopped at the end, also on failure. Exit code 0 when every check
 * passed; otherwise 1 with the reason and the tails of the n8n and runtime logs.
 *
 *   SEQUENCER_N8N_CACHE   where n8n is installed once (default ~/.cache/sequencer-n8n)
 *   TEST_DATABASE_URL     run the runtime on this Postgres (a fresh schema) instead of an embedded one
 *   SEQUENCER_N8N_KEEP=1  keep the temporary folder (logs, n8n's user folder) after a successful run
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkPackageLoaded, OUR_CREDENTIALS, OUR_NODES } from './checks.mts';
import { fakeOpenAi, fakeUnipile, UNIPILE_API_KEY } from './fakes.mts';
import { installLikeN8n, installN8n, N8N_INSTALLER_NPM_FLAGS, PACKAGE, packPackage } from './install.mts';
import { runManualWorkflows } from './manual.mts';
import { startN8n } from './n8n.mts';
import { CheckFailed, Cleanup, tail } from './proc.mts';
import { passedCheck, phase, report } from './report.mts';
import { startRuntime } from './runtime.mts';
import { runTemplates } from './templates.mts';
import { createCredentials } from './workflows.mts';

const cleanup = new Cleanup();
const workDir = mkdtempSync(path.join(tmpdir(), 'sequencer-n8n-real-'));

// Interrupted: stop what was started (the processes run in their own groups and would outlive us).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping everything test:n8n started (logs kept in ${workDir})`);
    void cleanup.run().finally(() => process.exit(130));
  });
}

async function main(): Promise<boolean> {
  const userFolder = path.join(workDir, 'n8n-home');
  mkdirSync(userFolder);
  const logs: string[] = [];
  const startedAt = Date.now();
  let ok = false;
  try {
    const n8nInstall = await phase('n8n installed (test/n8n-real/install-n8n.sh)', installN8n);
    report.facts.push(`n8n ${n8nInstall.version} (${n8nInstall.reused ? 'cached install reused' : 'installed now'}: ${n8nInstall.bin})`, `Node ${process.version}`);
    const tarball = await phase('npm pack', () => packPackage(workDir));
    report.facts.push(`package ${PACKAGE.name}@${PACKAGE.version} (${path.basename(tarball)})`);
    await phase("package installed into .n8n/nodes the way n8n's installer does", () => installLikeN8n(tarball, userFolder));
    report.facts.push(`installed as n8n 2.41 installs community packages: unpacked, dev/peer/optional dependencies dropped, npm install ${N8N_INSTALLER_NPM_FLAGS.join(' ')}`);

    const unipile = await fakeUnipile();
    cleanup.add('fake UniPile', () => unipile.close());
    const openai = await fakeOpenAi({ 'happy to chat': 'interested', 'call me tomorrow': 'interested', 'talk Friday': 'interested' });
    cleanup.add('fake OpenAI', () => openai.close());

    const runtime = await phase('runtime started', () => startRuntime(cleanup, { workDir, unipileUrl: unipile.url, unipileApiKey: UNIPILE_API_KEY }));
    logs.push(runtime.service.logFile);
    report.facts.push(runtime.database);
    const n8n = await phase('n8n started, owner and API key created', () => startN8n(cleanup, n8nInstall, userFolder, workDir));
    logs.push(n8n.service.logFile);

    const { nodeTypes, icons } = await phase('n8n lists our node and credential types, with icons', () => checkPackageLoaded(n8n));
    passedCheck(`n8n loaded ${OUR_NODES.length} node types ${PACKAGE.name}.* and ${OUR_CREDENTIALS.length} credential types; ${icons} icons served as SVG`);
    const credentials = await phase('credentials created through the public API and tested', () => createCredentials(n8n, runtime, unipile, openai));
    await phase('templates imported, activated and run', () => runTemplates({ n8n, runtime, unipile, openai, nodeTypes, credentials }));
    await phase('manual workflows run with `n8n execute`', () => runManualWorkflows({ n8n, runtime, unipile, openai, nodeTypes, credentials }));
    ok = true;
  } catch (error) {
    const message = error instanceof CheckFailed ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`\n✗ FAILED in "${report.current}":\n${message}`);
    for (const log of logs) console.error(`\n--- last lines of ${log} ---\n${tail(log, 60)}`);
  } finally {
    const problems = await cleanup.run();
    for (const problem of problems) console.error(`cleanup: ${problem}`);
    console.log(`\n=== test:n8n summary: ${ok ? 'PASSED' : 'FAILED'} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s ===`);
    for (const fact of report.facts) console.log(`  ${fact}`);
    console.log('  timings:');
    for (const t of report.timings) console.log(`    ${t.seconds.toFixed(1).padStart(6)} s  ${t.phase}`);
    console.log(`  checks passed: ${report.passed.length}`);
    for (const p of report.passed) console.log(`    ✓ ${p}`);
    if (ok && process.env.SEQUENCER_N8N_KEEP !== '1') rmSync(workDir, { recursive: true, force: true });
    else console.log(`  logs and n8n's user folder kept in ${workDir}`);
  }
  return ok;
}

process.exitCode = (await main()) ? 0 : 1;
