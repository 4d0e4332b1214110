import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fail, mustRun, runCommand } from './proc.mts';

/**
 * n8n itself (cached outside the repository by install-n8n.sh) and our package, packed and installed
 * into `<N8N_USER_FOLDER>/.n8n/nodes` with the same steps as n8n 2.41's community package installer
 * (CommunityPackagesService.downloadPackage in packages/cli/src/modules/community-packages): unpack the
 * tarball into `node_modules/<name>`, drop dev, peer and optional dependencies from its package.json,
 * `npm install` there with scripts and the lock file off, then record it in the folder's package.json.
 */

export const REPO = path.resolve(import.meta.dirname, '../..');
export const PACKAGE = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  n8n: { nodes: string[]; credentials: string[] };
};

/** The flags n8n 2.41 passes to `npm install` inside the unpacked package. */
export const N8N_INSTALLER_NPM_FLAGS = [
  '--audit=false',
  '--fund=false',
  '--bin-links=false',
  '--install-strategy=shallow',
  '--ignore-scripts=true',
  '--package-lock=false',
];

export interface N8nInstall {
  /** The JavaScript entry of the n8n binary (run with this process's Node 24). */
  bin: string;
  version: string;
  /** Whether the cached install was reused (install-n8n.sh prints what it installs on stderr otherwise). */
  reused: boolean;
}

/** Installs n8n once (install-n8n.sh reuses the cache) and returns its entry point. */
export async function installN8n(): Promise<N8nInstall> {
  const result = await runCommand('bash', [path.join(REPO, 'test/n8n-real/install-n8n.sh')], { cwd: REPO, timeoutMs: 20 * 60_000 });
  if (result.code !== 0) fail(`installing n8n (test/n8n-real/install-n8n.sh) failed with exit code ${result.code}:\n${result.stderr.trim().slice(-4000)}`);
  const bin = realpathSync(result.stdout.trim().split('\n').pop() ?? '');
  const n8nPackage = JSON.parse(readFileSync(path.resolve(path.dirname(bin), '../package.json'), 'utf8')) as { version: string };
  return { bin, version: n8nPackage.version, reused: !result.stderr.includes('installing n8n') };
}

/** `npm pack` of the built repository (what `npm publish` would upload); returns the tarball's path. */
export async function packPackage(destination: string): Promise<string> {
  const out = await mustRun('npm pack', 'npm', ['pack', '--pack-destination', destination, '--json'], { cwd: REPO, timeoutMs: 120_000 });
  const [packed] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  for (const required of [...PACKAGE.n8n.nodes, ...PACKAGE.n8n.credentials]) {
    if (!packed.files.some((f) => f.path === required)) fail(`the packed package lacks ${required} (listed in package.json → n8n): was \`npm run build\` run?`);
  }
  return path.join(destination, packed.filename);
}

/** Installs the tarball as n8n's installer does; returns the package's directory. */
export async function installLikeN8n(tarball: string, userFolder: string): Promise<string> {
  const nodesDir = path.join(userFolder, '.n8n', 'nodes');
  const packageDir = path.join(nodesDir, 'node_modules', PACKAGE.name);
  rmSync(packageDir, { recursive: true, force: true });
  mkdirSync(packageDir, { recursive: true });
  await mustRun('unpacking the tarball', 'tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], { cwd: nodesDir });

  const manifestPath = path.join(packageDir, 'package.json');
  const { devDependencies: _dev, peerDependencies: _peer, optionalDependencies: _optional, ...manifest } = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  await mustRun(
    `installing the runtime dependencies of ${PACKAGE.name} the way n8n does (npm install ${N8N_INSTALLER_NPM_FLAGS.join(' ')})`,
    'npm',
    ['install', ...N8N_INSTALLER_NPM_FLAGS],
    { cwd: packageDir, timeoutMs: 10 * 60_000 },
  );
  writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE.name]: manifest.version } }, null, 2));
  return packageDir;
}
