import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Processes and ports for the real-n8n check: every long-lived process runs in its own process group
 * (so its children — n8n's task runner, the runtime's embedded Postgres — go with it) and logs to a file
 * whose tail is printed when something fails.
 */

export class CheckFailed extends Error {}

/** Fails the check with a message that says what was expected and what was seen. */
export function fail(message: string): never {
  throw new CheckFailed(message);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * This process's environment without npm's `npm_*` variables: under `npm run`, `npm_config_local_prefix`
 * would make a child `npm install` work on this repository instead of the folder it runs in.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
  return { ...env, ...extra };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a truthy value; on timeout fails with `what` (a function is asked at
 * that moment, so it can say what is still missing) and the last value or error seen.
 */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 250): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      if (error instanceof CheckFailed) throw error;
      last = error instanceof Error ? error.message : error;
    }
    if (Date.now() > deadline) {
      const seen = last === undefined || last === false ? '' : ` (last: ${JSON.stringify(last)})`;
      fail(`timed out after ${timeoutMs / 1000} s waiting for ${typeof what === 'function' ? what() : what}${seen}`);
    }
    await sleep(everyMs);
  }
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface Service {
  name: string;
  proc: ChildProcess;
  logFile: string;
  exited(): boolean;
  /** SIGTERM to the main process, then SIGKILL to its whole group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-lived process in its own group, stdout and stderr appended to `logFile`. */
export function startService(name: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string }): Service {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  let exitedFlag = false;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      exitedFlag = true;
      resolve();
    }),
  );
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    name,
    proc,
    logFile: options.logFile,
    exited: () => exitedFlag,
    async stop(graceMs = 20_000) {
      if (!exitedFlag) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
        await exit;
        clearTimeout(timer);
      }
      // Whatever the main process left behind in its group (a task runner, a postmaster) goes too.
      killGroup('SIGKILL');
      log.end();
    },
  };
}

export interface CommandResult {
  code: number | null;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (its own process group, killed whole on timeout). */
export function runCommand(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timeoutMs = options.timeoutMs ?? 600_000;
    const timer = setTimeout(() => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new CheckFailed(`\`${command} ${args.join(' ')}\` did not finish within ${timeoutMs / 1000} s\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    proc.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Like runCommand, but a non-zero exit fails the check with `what` and the command's output. */
export async function mustRun(what: string, command: string, args: string[], options: Parameters<typeof runCommand>[2]): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) fail(`${what} failed (\`${command} ${args.join(' ')}\` exited with ${result.code}):\n${(result.stderr || result.stdout).trim().slice(-4000)}`);
  return result.stdout;
}

/** What to undo at the end, last started first stopped; every step runs even when one fails. */
export class Cleanup {
  private readonly steps: Array<{ name: string; run: () => Promise<void> }> = [];

  add(name: string, run: () => Promise<void>): void {
    this.steps.push({ name, run });
  }

  async run(): Promise<string[]> {
    const problems: string[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step.run();
      } catch (error) {
        problems.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.steps.length = 0;
    return problems;
  }
}
