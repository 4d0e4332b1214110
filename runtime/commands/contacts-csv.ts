import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { contactFieldsSchema } from '../contacts/input';

/**
 * Contacts from a CSV file for `sequencer enroll`. The header names the fields of the contact shape
 * (runtime/contacts/input.ts), matched without regard to case, spaces, "_" or "-" ("First Name" =
 * `firstName`), plus a few common aliases; `attributes.<name>` and `vars.<name>` columns fill those
 * objects. Empty cells are left out. Other columns are ignored (and named once).
 */
const ALIASES: Record<string, string> = {
  mail: 'email',
  emailaddress: 'email',
  phonenumber: 'phone',
  mobile: 'phone',
  linkedinid: 'linkedinProviderId',
  linkedin: 'linkedinPublicId',
  linkedinurl: 'linkedinPublicId',
  linkedinprofile: 'linkedinPublicId',
  domain: 'companyDomain',
  website: 'companyDomain',
  jobtitle: 'title',
  tz: 'timezone',
};

const squash = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '');
const FIELD_BY_SQUASHED = new Map<string, string>([
  ...Object.keys(contactFieldsSchema.shape).filter((f) => f !== 'attributes').map((f) => [squash(f), f] as [string, string]),
  ...Object.entries(ALIASES),
]);

/** Where one column goes: a contact field, a key of `attributes` or `vars`, or nowhere. */
type Target = { field: string } | { object: 'attributes' | 'vars'; key: string } | null;

export interface CsvColumns {
  targets: Target[];
  /** Contact field → the header as written, to name it in a rejection. */
  headerOf: Map<string, string>;
  ignored: string[];
}

export function readHeader(header: string[]): CsvColumns {
  const headerOf = new Map<string, string>();
  const ignored: string[] = [];
  const targets = header.map((name): Target => {
    const nested = name.match(/^(attributes|vars)\.(.+)$/i);
    if (nested) return { object: nested[1].toLowerCase() as 'attributes' | 'vars', key: nested[2].trim() };
    const field = FIELD_BY_SQUASHED.get(squash(name));
    if (!field || headerOf.has(field)) {
      ignored.push(name);
      return null;
    }
    headerOf.set(field, name);
    return { field };
  });
  return { targets, headerOf, ignored };
}

/** One data row as the enrolment API's contact (`vars` per contact). */
export function contactOfRow(columns: CsvColumns, cells: string[]): Record<string, unknown> {
  const contact: Record<string, unknown> = {};
  columns.targets.forEach((target, i) => {
    const value = cells[i]?.trim();
    if (!target || !value) return;
    if ('field' in target) contact[target.field] = value;
    else contact[target.object] = { ...((contact[target.object] as Record<string, unknown>) ?? {}), [target.key]: value };
  });
  return contact;
}

export interface CsvRecord {
  /** The line the record starts on (1 = the header). */
  line: number;
  cells: string[];
  /** Share of the file read so far, 0–1. */
  progress: number;
}

/** Streams the records of a CSV file (header first) with their starting line numbers. */
export async function* csvRecords(file: string, size: number): AsyncGenerator<CsvRecord> {
  const parser = createReadStream(file).pipe(parse({ info: true, raw: true, bom: true, skip_empty_lines: true, relax_column_count: true }));
  for await (const { record, info, raw } of parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number }; raw: string }>) {
    // `lines` counts to the record's end; a quoted cell may span lines, and raw starts with skipped blank lines.
    const inner = raw.replace(/^[\r\n]+/, '').replace(/\r?\n$/, '');
    yield { line: info.lines - (inner.match(/\n/g)?.length ?? 0), cells: record, progress: size > 0 ? Math.min(1, info.bytes / size) : 1 };
  }
}
