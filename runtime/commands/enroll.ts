import { statSync } from 'node:fs';
import { loadConfig } from '../config';
import type { Ctx } from '../context';
import { enroll, MAX_ENROLL_BATCH, type EnrollOptions, type EnrollOutcome } from '../sequences/enroll';
import { requireSequence } from '../sequences/definitions';
import { SequencerError } from '../sequences/errors';
import { contactOfRow, csvRecords, readHeader, type CsvColumns } from './contacts-csv';
import { withContext } from './database';
import { parseFlags } from './options';
import { UsageError, type Command } from './types';

const USAGE = `sequencer enroll --sequence KEY --csv FILE [options]

Enrolls every contact of a CSV file into sequence KEY, in batches, exactly as the API's bulk enrolment
does: contacts are matched through the identity graph, one already in the sequence is not enrolled
twice, do-not-contact and recent repliers are skipped. Rows that cannot be enrolled are reported with
their line number and reason; the rest are enrolled. Exits 1 when some rows were rejected.

CSV header (case, spaces, "_" and "-" do not matter; at least one identity column per row):
  email, phone, whatsapp, linkedinProviderId, linkedinPublicId (a slug or profile URL),
  firstName, lastName, company, companyDomain, title, timezone (IANA, e.g. Europe/Paris)
  aliases: "LinkedIn URL"/linkedin → linkedinPublicId, domain/website → companyDomain,
           "Job Title" → title, mobile/"Phone Number" → phone
  attributes.<name>   a contact attribute, e.g. attributes.plan
  vars.<name>         a variable of this contact's enrollment, e.g. vars.icebreaker
  Other columns are ignored (named on stderr).

  --sequence KEY      the sequence
  --csv FILE          the CSV file (UTF-8, comma-separated, quoted cells may span lines)
  --account ID        the UniPile account the enrollments send from
  --start-step NAME   the step to start at (default: the sequence's first listed step)
  --start-at ISO      count the first step's delay from this moment (default: now)
  --vars JSON         variables for every enrollment, e.g. '{"campaign":"spring"}'
  --batch-size N      contacts per batch, 1–${MAX_ENROLL_BATCH} (default 1000)
  --reenroll          enroll again contacts whose earlier enrollment in the sequence has ended`;

const DEFAULT_BATCH = 1000;

interface Row {
  line: number;
  contact: Record<string, unknown>;
}

interface Tally {
  read: number;
  outcomes: Record<EnrollOutcome, number>;
  rejected: { line: number; reason: string }[];
}

function parseArgs(args: string[]) {
  const flags = parseFlags(args, ['--sequence', '--csv', '--account', '--start-step', '--start-at', '--vars', '--batch-size'], ['--reenroll']);
  const sequenceKey = flags.get('sequence');
  const file = flags.get('csv');
  if (!sequenceKey) throw new UsageError('--sequence is required');
  if (!file) throw new UsageError('--csv is required');
  const batchSize = Number(flags.get('batch-size') ?? DEFAULT_BATCH);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_ENROLL_BATCH) throw new UsageError(`--batch-size must be a whole number from 1 to ${MAX_ENROLL_BATCH}`);
  const startAt = flags.get('start-at');
  if (startAt !== undefined && Number.isNaN(Date.parse(startAt))) throw new UsageError(`--start-at ${JSON.stringify(startAt)} is not an ISO time such as 2030-03-15T09:00:00Z`);
  const options: Omit<EnrollOptions, 'contacts'> = {
    sequenceKey,
    accountId: flags.get('account'),
    startStep: flags.get('start-step'),
    startAt,
    vars: flags.has('vars') ? varsOf(flags.get('vars')!) : undefined,
    reenroll: flags.has('reenroll'),
  };
  return { file, batchSize, options };
}

function varsOf(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--vars is not valid JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('--vars must be a JSON object, e.g. \'{"campaign":"spring"}\'');
  return value as Record<string, unknown>;
}

/** `contacts.3.email` of a batch → the CSV column it came from. */
function reasonOf(columns: CsvColumns, details: { field: string; message: string }[] | undefined): string {
  return (details ?? [])
    .map((d) => {
      const field = d.field.replace(/^contacts\.\d+\.?/, '');
      const [head, ...rest] = field.split('.');
      const column = columns.headerOf.get(head) ?? head;
      return column ? `${[column, ...rest].join('.')}: ${d.message}` : d.message;
    })
    .join('; ');
}

/** A bar on a terminal; a line per batch in a log or a pipe. */
function progressReporter(total: () => number) {
  const tty = process.stderr.isTTY === true;
  return {
    batch(number: number, rows: Row[], progress: number, tally: Tally) {
      const percent = Math.round(progress * 100);
      if (tty) {
        const filled = Math.round(progress * 30);
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${String(percent).padStart(3)}%  ${total()} rows, ${tally.outcomes.enrolled} enrolled`);
      } else {
        process.stderr.write(`batch ${number}: lines ${rows[0].line}–${rows[rows.length - 1].line}, ${rows.length} rows (${percent}% of the file); ${tally.outcomes.enrolled} enrolled so far\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

async function enrollFile(ctx: Ctx, file: string, batchSize: number, options: Omit<EnrollOptions, 'contacts'>): Promise<Tally> {
  await requireSequence(ctx, options.sequenceKey);
  const tally: Tally = { read: 0, outcomes: { enrolled: 0, already_enrolled: 0, skipped_do_not_contact: 0, skipped_replied_recently: 0, invalid: 0 }, rejected: [] };
  const progress = progressReporter(() => tally.read);
  let columns: CsvColumns | undefined;
  let batch: Row[] = [];
  let batches = 0;
  let fileProgress = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const results = await enroll(ctx, { ...options, contacts: batch.map((r) => r.contact) });
    for (const r of results) {
      tally.outcomes[r.outcome]++;
      if (r.outcome === 'invalid') tally.rejected.push({ line: batch[r.index].line, reason: reasonOf(columns!, r.details) });
    }
    progress.batch(++batches, batch, fileProgress, tally);
    batch = [];
  };
  try {
    for await (const record of csvRecords(file, statSync(file).size)) {
      fileProgress = record.progress;
      if (!columns) {
        columns = readHeader(record.cells);
        if (columns.headerOf.size === 0) throw new UsageError(`${file}: the header names no contact field; expected columns such as email, phone, linkedinPublicId, firstName`);
        if (columns.ignored.length) process.stderr.write(`ignoring columns: ${columns.ignored.join(', ')}\n`);
        continue;
      }
      tally.read++;
      if (record.cells.length > columns.targets.length) {
        tally.rejected.push({ line: record.line, reason: `${record.cells.length} cells, but the header has ${columns.targets.length} columns (an unquoted comma?)` });
        continue;
      }
      batch.push({ line: record.line, contact: contactOfRow(columns, record.cells) });
      if (batch.length >= batchSize) await flush();
    }
  } catch (error) {
    // A malformed file (an unclosed quote): what came before it is enrolled, the rest is reported.
    const csv = error as { code?: string; lines?: number; message: string };
    if (!csv.code?.startsWith('CSV_')) throw error;
    tally.rejected.push({ line: csv.lines ?? 0, reason: `the file cannot be read from here on: ${csv.message}` });
  }
  await flush();
  progress.done();
  if (!columns) throw new UsageError(`${file} is empty: expected a header line and one contact per line`);
  return tally;
}

function report(key: string, t: Tally): string {
  const o = t.outcomes;
  const lines = [
    `sequence ${key}: ${t.read} rows read: ${o.enrolled} enrolled, ${o.already_enrolled} already enrolled, ${o.skipped_do_not_contact} skipped (do not contact), ` +
      `${o.skipped_replied_recently} skipped (replied recently), ${t.rejected.length} rejected`,
  ];
  if (t.rejected.length) {
    lines.push('rejected rows:');
    for (const r of [...t.rejected].sort((a, b) => a.line - b.line)) lines.push(`  line ${r.line}: ${r.reason}`);
  }
  return lines.join('\n');
}

export const enrollCommand: Command = {
  name: 'enroll',
  summary: 'Enroll the contacts of a CSV file into a sequence, reporting rejected rows by line',
  usage: USAGE,
  async run(args) {
    const { file, batchSize, options } = parseArgs(args);
    try {
      statSync(file);
    } catch {
      throw new UsageError(`--csv ${file}: no such file`);
    }
    const config = loadConfig();
    return withContext(config, async (ctx) => {
      try {
        const tally = await enrollFile(ctx, file, batchSize, options);
        console.log(report(options.sequenceKey, tally));
        return tally.rejected.length ? 1 : 0;
      } catch (error) {
        if (!(error instanceof SequencerError)) throw error;
        console.error(error.message);
        return error.code === 'validation_failed' ? 2 : 1;
      }
    });
  },
};
