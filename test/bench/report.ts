import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/root';


export interface Row {
  measure: string;
  result: string;
  target?: string;
  /** true met, false missed, undefined no target */
  met?: boolean;
  raw?: Record<string, unknown>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.type()} ${os.release()}`;
}

export function writeReport(rows: Row[], context: { database: string; startedAt: Date }): string {
  const header = `Measured ${context.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}; ${context.database}. Runtime, load generator and Postgres share the machine.`;
  const table = [
    '| measure | result | target | |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.measure} | ${r.result} | ${r.target ?? ''} | ${r.met === undefined ? '' : r.met ? 'met' : '**missed**'} |`),
  ].join('\n');
  const markdown = `${header}\n\n${table}\n`;
  const dir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.md'), markdown);
  writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ ...context, machine: machine(), rows }, null, 2));
  return markdown;
}
