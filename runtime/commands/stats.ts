import { loadConfig } from '../config';
import { SequencerError } from '../sequences/errors';
import { sequenceStats, type SequenceStats } from '../sequences/stats';
import { withDatabase } from './database';
import { parseFlags } from './options';
import { UsageError, type Command } from './types';

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);
const reasons = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ') || '-';

export function formatStats(s: SequenceStats): string {
  const e = s.enrollments;
  const header = [
    `sequence ${s.sequence.key} "${s.sequence.name}" (${s.sequence.status}, version ${s.sequence.version})`,
    `enrollments ${e.total}: ${e.active} active, ${e.paused} paused, ${e.completed} completed, ${e.stopped} stopped, ${e.failed} failed`,
    `replied ${s.replied} (reply rate ${percent(s.replyRate)}); stopped by reason: ${reasons(s.stoppedByReason)}`,
  ];
  const table = [
    ['step', 'scheduled', 'dispatched', 'sent', 'replied', 'reply rate', 'failed', 'stopped'],
    ...s.steps.map((t) => [t.step, String(t.scheduled), String(t.dispatched), String(t.sent), String(t.replied), percent(t.replyRate), String(t.failed), reasons(t.stopped)]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  // Names and reasons read left-aligned, numbers right-aligned.
  const row = (r: string[]) => r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [...header, '', ...(s.steps.length ? table.map(row) : ['no step has been scheduled yet'])].join('\n');
}

export const statsCommand: Command = {
  name: 'stats',
  summary: 'Show a sequence\'s funnel per step: scheduled, dispatched, sent, replied, stopped, failed',
  usage: `sequencer stats --sequence KEY [--json]

Prints the enrollments of sequence KEY by status, its reply rate and stops by reason, and per step the
enrollments that had it scheduled, dispatched to the flow, sent (UniPile Send), replied after it,
stopped after it (by reason) and failed at it. The same numbers as GET /api/v1/sequences/KEY/stats.

  --sequence KEY   the sequence key
  --json           print the result as JSON`,
  async run(args) {
    const flags = parseFlags(args, ['--sequence'], ['--json']);
    const key = flags.get('sequence');
    if (!key) throw new UsageError('--sequence is required');
    const config = loadConfig();
    return withDatabase(config, async ({ pool }) => {
      try {
        const stats = await sequenceStats({ pool, schema: config.schema }, key);
        console.log(flags.has('json') ? JSON.stringify(stats, null, 2) : formatStats(stats));
        return 0;
      } catch (error) {
        if (!(error instanceof SequencerError)) throw error;
        console.error(error.message);
        return 1;
      }
    });
  },
};
