import { UsageError } from './types';

/**
 * `--flag value` options of a command: every flag must be known, every value present. Flags listed
 * in `switches` take no value (`--force`).
 */
export function parseFlags(args: string[], valued: string[], switches: string[] = []): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (switches.includes(arg)) {
      flags.set(arg.slice(2), 'true');
    } else if (valued.includes(arg)) {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return flags;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since 90m` / `2h` / `3d` / `1w` (that long ago), or an ISO time such as 2026-07-01T09:00:00Z. */
export function parseSince(value: string, flag = '--since', now: Date = new Date()): Date {
  const relative = value.trim().match(/^(\d+(?:\.\d+)?)\s*([smhdw])$/i);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2].toLowerCase()]);
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new UsageError(`${flag} ${JSON.stringify(value)}: give a duration such as 30m, 2h, 3d or an ISO time such as 2026-07-01T09:00:00Z`);
  return at;
}
