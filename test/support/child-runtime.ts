import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './root';

/**
 * The real runtime as a separate process (`node dist/runtime/cli.js start`), for fault tests,
 * benchmarks and the real-n8n check. Needs `npm run build` first.
 */
export const CLI = path.join(REPO_ROOT, 'dist/runtime/cli.js');

export interface ChildRuntime {
  proc: ChildProcess;
  url: string;
  /** Everything the process printed (JSON log lines), for assertions and post-mortems. */
  output(): string;
  waitReady(timeoutMs?: number): Promise<void>;
  /** Resident memory in bytes (Linux /proc). */
  rss(): number;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnRuntime(env: Record<string, string>): ChildRuntime {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const port = env.PORT;
  if (!port) throw new Error('spawnRuntime needs PORT in env');
  const proc = spawn(process.execPath, [CLI, 'start'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  return {
    proc,
    url,
    output: () => out,
    async waitReady(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) throw new Error(`runtime exited with ${proc.exitCode}:\n${out.slice(-3000)}`);
        const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
        if (ok) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`runtime not ready after ${timeoutMs} ms:\n${out.slice(-3000)}`);
    },
    rss() {
      const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb * 1024;
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill(signal);
      });
    },
  };
}
